/// The contract of one analysis (a folder under `Features/`), in two halves.
///
/// **Reading** (per record, hot path): a `FeatureRecorder`, one per worker, that
/// `ChunkAggregator` calls for every parsed record through `FeatureRecorders` — a struct with
/// one stored property per recorder, so each call is a direct, concrete (inlinable) call, never a
/// dynamic dispatch through an existential. Its `finish` moves what it recorded, names resolved,
/// into the worker's `AnalysisSummary`, whose member for the feature is `Mergeable` (workers'
/// summaries merge by adding, in any order).
///
/// **Evaluating** (once per summary): an `AnalysisFeature` type that names the event types the
/// feature checks and turns a summary into events (and, for drift, the tables the report
/// prints). `Analysis.features` lists them; the checked event types and the detectors that run
/// are derived from that list. A feature's report section is a `SummaryReport` extension or a
/// renderer in its own folder (DriftTable.swift, AbuseRiskTable.swift).
///
/// Adding a feature: a folder with its recorder, its summary member, its detector and an
/// `AnalysisFeature` type; then one line in `Analysis.features`, one stored property (and its
/// `record`/`finish` call) in `FeatureRecorders`, and one member in `AnalysisSummary` (added in
/// `merge`).
public protocol AnalysisFeature {
    /// Every event type this feature's detectors can raise: what "checked" means in the report's
    /// per-control table when none was raised.
    static var eventTypes: Set<EventType> { get }
    /// Whether the feature runs under `configuration` (drift and quality need profiles).
    static func runs(under configuration: AnalysisConfiguration) -> Bool
    /// The events (and report tables) this feature finds in `summary`. Reads only the summary
    /// and the configuration, so features can run at the same time.
    static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings
    /// The longest look-back of the feature's detector in event time: a window older than this
    /// behind the newest one it judges can no longer change a verdict within that span. nil: the
    /// feature's state is bounded by its budget (it coarsens when full) and is never evicted by
    /// age. `live` evicts by it (`evict`), so a stream of weeks keeps only what the detectors
    /// still read.
    static func lookBackMillis(under configuration: AnalysisConfiguration) -> Int64?
    /// Drops the feature's state older than `millis` (event time) from `summary`.
    static func evict(_ summary: inout AnalysisSummary, before millis: Int64)
}

extension AnalysisFeature {
    public static func runs(under configuration: AnalysisConfiguration) -> Bool { true }
    public static func lookBackMillis(under configuration: AnalysisConfiguration) -> Int64? { nil }
    public static func evict(_ summary: inout AnalysisSummary, before millis: Int64) {}
}

/// What one feature found in a summary: its events, and the drift tables when the feature is
/// drift (the only feature whose report section needs more than the summary and the events).
public struct FeatureFindings: Sendable {
    public var events: [Event]
    public var drift: DriftDetector.Analysis?

    public init(events: [Event], drift: DriftDetector.Analysis? = nil) {
        self.events = events
        self.drift = drift
    }
}

/// What a worker already resolved about the record in hand, shared by the recorders so that no
/// feature interns the same model, version or host again.
struct RecordContext {
    /// The line's bytes: every span of the record points into it, valid until the next line.
    var line: UnsafeRawBufferPointer
    /// Index of the source (input file) in the run's source list.
    var source: Int
    /// The worker's symbols for the record's model, model version and host
    /// (`SymbolTable.absentSymbol` when the record has none).
    var model: Int32
    var modelVersion: Int32
    var host: Int32
}

/// A feature's per-worker state while the input is read (see `AnalysisFeature`). Not
/// thread-safe: each worker owns its recorders.
protocol FeatureRecorder {
    /// Folds one parsed record into the recorder.
    mutating func record(_ record: ParsedRecord, in context: RecordContext)
    /// Moves what was recorded into the worker's summary, resolving symbols to names, and frees
    /// the recorder's tables.
    mutating func finish(into summary: inout AnalysisSummary, symbols: SymbolTable)
}
