import Foundation

/// The knobs of one batch run.
public struct AnalysisOptions: Sendable {
    /// Worker threads; each decodes files and parses chunks.
    public var threads: Int
    /// Length of the event-time windows the records are bucketed into.
    public var windowMillis: Int64 = 60_000
    /// Lines longer than this are rejected and counted, never buffered whole. At most
    /// `maximumLineCap`; the pipeline reads a larger value as `maximumLineCap`.
    public var lineCap: Int = 1 << 20
    /// The largest `lineCap`: 1 GiB. A line's fields are 32-bit offsets (`ByteSpan`), so a cap
    /// must stay below 2 GiB; 1 GiB leaves that margin and is already far more than one log
    /// line should hold (the framer may buffer a line up to the cap).
    public static let maximumLineCap = 1 << 30
    /// `lineCap` within its bounds: what the framer and the parsers apply.
    public var effectiveLineCap: Int { min(max(lineCap, 1), Self.maximumLineCap) }
    /// Decoded bytes per chunk handed to a parser worker.
    public var chunkSize: Int = 1 << 20
    /// A custom access-log format; nil reads `combined`, then `common`.
    public var accessFormat: AccessLogFormat?
    /// The format every input is read as (`--input-format NAME`); nil detects each file's.
    public var inputFormat: LogFormat?
    /// The field mapping of `--input-format mapping.yaml`; set it with `inputFormat` =
    /// `LogFormat.mapped(mapping)` (see `read(through:)`).
    public var fieldMapping: FieldMapping?

    /// Reads every input through `mapping`.
    public mutating func read(through mapping: FieldMapping) {
        fieldMapping = mapping
        inputFormat = .mapped(mapping)
    }
    /// The secret key of `--pseudonymize`: clients and addresses become keyed tokens
    /// (`Pseudonymizer`) before anything is counted. The caller checks its length.
    public var pseudonymizationKey: [UInt8]?
    /// Heavy-hitter counters kept per worker for clients and for addresses.
    public var principalCapacity = 2048
    /// Bytes the window table (window × source × model × version × host) may hold per worker
    /// before the window length grows; bounds memory on long inputs.
    public var windowBudget = AnalysisOptions.defaultWindowBudget
    public static let defaultWindowBudget = 1 << 20
    /// Bytes the per-client and per-address abuse windows may hold, shared among the workers;
    /// past it their windows (one hour at first) grow longer.
    public var abuseBudget = AnalysisOptions.defaultAbuseBudget
    /// 32 MiB, the size `Benchmarks/detectors.sh` measured under a million distinct keys and
    /// addresses (61.8 MB peak RSS for the whole run, README); the one default for the CLI flag,
    /// the worker (`ChunkAggregator`) and the recorder (`ClientActivityRecorder`).
    public static let defaultAbuseBudget = 32 << 20
    /// Records stamped later than this instant are counted as stamped in the future; by default
    /// five minutes after the run starts.
    public var futureLimitMillis = Int64((Date().timeIntervalSince1970 * 1000).rounded()) + 300_000
    /// Signatures the access-log checks match (probe paths, scanner agents, admin paths).
    public var signatures = RequestSignatures.bundled()
    /// A record stamped more than this before a record written earlier in the same file is time
    /// running backwards. A minute: loggers with several writer threads or buffered shippers
    /// reorder lines by seconds, never by minutes.
    public var backwardToleranceMillis = AnalysisOptions.defaultBackwardTolerance
    public static let defaultBackwardTolerance: Int64 = 60_000

    /// Length of the drift windows the per-model profiles are kept for (a UTC calendar day by
    /// default); nil turns profiling off.
    public var profileWindowMillis: Int64? = ModelProfiles.defaultWindowMillis
    /// Bytes each worker's profiles may hold before drift windows double in length.
    public var profileBudget = AnalysisOptions.defaultProfileBudget
    public static let defaultProfileBudget = 16 << 20

    public init(threads: Int) {
        self.threads = max(1, threads)
    }
}
