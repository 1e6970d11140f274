/// The gateway's most failing paths and its busiest user agents, for the report's gateway
/// section (issue 11: "top 4xx/5xx paths, top user agents"), in bounded memory.
///
/// Both are SpaceSaving tables (`HeavyHitters`), so they merge across workers, shards and
/// nights like every other summary, and their keys are placed by the seeded hash: a path or
/// user agent (attacker-controlled text) cannot choose its bucket. Each key's counts come with
/// its activity, so a path's row says how many of its failures were 4xx and how many 5xx.
///
/// Keys are cut to `keyLimit` bytes (at a UTF-8 boundary) and a path loses its query string,
/// so a scanner that sends one megabyte-long or one-off URL per request neither grows the table
/// past `capacity × keyLimit` bytes nor splits `/login` into a thousand rows.
public struct GatewayViewTables: Sendable {
    /// Counters per table. The report lists `ReportFigures.topRows` (10) rows; SpaceSaving keeps
    /// every key seen more than total/capacity times, so 512 counters keep each of those 10
    /// exact unless the traffic is spread so thin that none has 0.2 % of it.
    public static let capacity = 512
    /// Longest key kept, in bytes: long enough for any real route or browser user agent
    /// (Chrome's is about 120 bytes), short enough that 2 × 512 keys stay under 300 KiB.
    public static let keyLimit = 256

    /// Access-log requests answered 4xx or 5xx, by path without its query string.
    public var failingPaths: HeavyHitters
    /// Every access-log request that names a user agent, by user agent.
    public var userAgents: HeavyHitters

    public init(capacity: Int = Self.capacity) {
        failingPaths = HeavyHitters(capacity: capacity, distinctPrecision: HeavyHitters.storedDistinctPrecision)
        userAgents = HeavyHitters(capacity: capacity, distinctPrecision: HeavyHitters.storedDistinctPrecision)
    }

    public mutating func merge(_ other: GatewayViewTables) {
        failingPaths.merge(other.failingPaths)
        userAgents.merge(other.userAgents)
    }

    /// `path` up to its query string (`?`) or fragment (`#`), then cut to `keyLimit` bytes.
    static func pathKey(_ path: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var end = 0
        while end < path.count, path[end] != UInt8(ascii: "?"), path[end] != UInt8(ascii: "#") { end += 1 }
        return limited(UnsafeRawBufferPointer(rebasing: path[0..<end]))
    }

    /// At most `keyLimit` bytes of `key`, not ending inside a UTF-8 sequence (the cut backs up
    /// over continuation bytes, 10xxxxxx, to the start of the character it would split).
    static func limited(_ key: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard key.count > keyLimit else { return key }
        var end = keyLimit
        while end > 0, key[end] & 0xC0 == 0x80 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: key[0..<end])
    }
}

/// One worker's gateway views: counts each access-log record's path (when answered 4xx/5xx)
/// and user agent.
struct GatewayViewRecorder: FeatureRecorder {
    private var tables = GatewayViewTables()

    @inline(__always)
    mutating func record(_ record: ParsedRecord, in context: RecordContext) {
        guard record.kind == .access else { return }
        let millis = record.timestampMillis
        if (400..<600).contains(record.status), !record.path.isAbsent, record.path.count > 0 {
            let key = GatewayViewTables.pathKey(record.path.bytes(in: context.line))
            tables.failingPaths.add(key, status: record.status, tokens: 0, at: millis)
        }
        // Common and combined logs write an absent agent as "-": not an agent.
        if !record.userAgent.isAbsent, record.userAgent.count > 0 {
            let agent = record.userAgent.bytes(in: context.line)
            guard !(agent.count == 1 && agent[0] == UInt8(ascii: "-")) else { return }
            tables.userAgents.add(GatewayViewTables.limited(agent), status: record.status, tokens: 0, at: millis)
        }
    }

    mutating func finish(into summary: inout AnalysisSummary, symbols: SymbolTable) {
        summary.gatewayViews = tables
        tables = GatewayViewTables(capacity: 1)
    }
}

/// The gateway views (`GatewayViewRecorder`): a report section only; it raises no event.
public enum GatewayViewsFeature: AnalysisFeature {
    public static let eventTypes: Set<EventType> = []

    public static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings {
        FeatureFindings(events: [])
    }
}

extension GatewayViewTables: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(failingPaths)
        writer.write(userAgents)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(capacity: 1)
        failingPaths = try reader.read()
        userAgents = try reader.read()
    }
}
