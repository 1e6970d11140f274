/// What one stream (a model version on a host, in one source) did in one event-time window.
///
/// Every field adds under `merge`, so window summaries built by different workers, files or
/// (in `live` mode) successive reads of a pipe combine to the same totals in any order.
public struct StreamWindow: Sendable, Equatable {
    public var records = 0
    /// Records by status class: index 0 = no status, 1 = 1xx ... 5 = 5xx.
    public var statusClasses = [Int](repeating: 0, count: 6)
    public var throttled = 0
    public var unavailable = 0
    public var latency = LatencyHistogram()
    public var latencySumMillis = 0.0
    public var promptTokens = 0
    public var completionTokens = 0
    public var logprobRequests = 0
    public var firstMillis: Int64 = .max
    public var lastMillis: Int64 = .min

    public init() {}

    /// Calls answered with a 5xx status.
    public var serverErrors: Int { statusClasses[5] }

    /// Approximate bytes this window holds (fixed part plus latency buckets), for the window
    /// table's memory budget.
    public var footprint: Int { Self.fixedFootprint + latency.bucketCount * Self.bytesPerBucket }
    static let fixedFootprint = 256
    static let bytesPerBucket = 6

    /// Adds a record; returns how many bytes the window's footprint grew by.
    @inline(__always)
    mutating func add(_ record: ParsedRecord) -> Int {
        var grown = records == 0 ? Self.fixedFootprint : 0
        records += 1
        let status = Int(record.status)
        statusClasses[(100..<600).contains(status) ? status / 100 : 0] += 1
        if status == 429 { throttled += 1 }
        if status == 503 { unavailable += 1 }
        if record.latencyMillis.isFinite && record.latencyMillis >= 0 {
            if latency.record(record.latencyMillis) { grown += Self.bytesPerBucket }
            latencySumMillis += record.latencyMillis
        }
        if record.promptTokens > 0 { promptTokens += Int(record.promptTokens) }
        if record.completionTokens > 0 { completionTokens += Int(record.completionTokens) }
        if record.asksLogprobs { logprobRequests += 1 }
        if record.timestampMillis < firstMillis { firstMillis = record.timestampMillis }
        if record.timestampMillis > lastMillis { lastMillis = record.timestampMillis }
        return grown
    }

    public mutating func merge(_ other: StreamWindow) {
        records += other.records
        for index in statusClasses.indices { statusClasses[index] += other.statusClasses[index] }
        throttled += other.throttled
        unavailable += other.unavailable
        latency.merge(other.latency)
        latencySumMillis += other.latencySumMillis
        promptTokens += other.promptTokens
        completionTokens += other.completionTokens
        logprobRequests += other.logprobRequests
        firstMillis = min(firstMillis, other.firstMillis)
        lastMillis = max(lastMillis, other.lastMillis)
    }
}

/// Names one stream in one window: the key of the window table the detectors read.
public struct WindowKey: Hashable, Sendable, Comparable {
    /// Start of the window, in milliseconds since the epoch (a multiple of the window length).
    public var windowStartMillis: Int64
    /// Index of the source (input file) in the run's source list.
    public var source: Int
    public var model: String?
    public var modelVersion: String?
    public var host: String?

    public static func < (lhs: WindowKey, rhs: WindowKey) -> Bool {
        if lhs.windowStartMillis != rhs.windowStartMillis { return lhs.windowStartMillis < rhs.windowStartMillis }
        if lhs.source != rhs.source { return lhs.source < rhs.source }
        if lhs.model != rhs.model { return (lhs.model ?? "") < (rhs.model ?? "") }
        if lhs.modelVersion != rhs.modelVersion { return (lhs.modelVersion ?? "") < (rhs.modelVersion ?? "") }
        return (lhs.host ?? "") < (rhs.host ?? "")
    }
}

/// The mergeable result of reading some input: per-source accounting, the window table, and
/// the bounded per-client and per-address sketches. One per worker, merged after the parallel
/// step; `live` mode merges each new slice of a pipe into the same structure.
public struct AnalysisSummary: Sendable {
    public var windowMillis: Int64
    public var sources: [SourceStatistics]
    public var windows: [WindowKey: StreamWindow] = [:]
    /// Clients and addresses as the gateway's access logs saw them (every call, rejected ones too).
    public var gateway: PrincipalTables
    /// Clients and addresses as the inference logs saw them (calls that reached a model).
    public var inference: PrincipalTables
    /// The gateway's most failing paths and busiest user agents (the report's gateway views).
    public var gatewayViews = GatewayViewTables()
    /// Access-log requests matching scanner or probe signatures, by calling address.
    public var probes = RequestFindingTable()
    /// Access-log calls to administrative paths, by principal (client, else address).
    public var adminCalls = RequestFindingTable()
    /// Sampled requests with their inference and access-log times, for clock comparison.
    public var requestSamples = RequestTimeSamples()
    /// Per-model drift-window profiles (features, predictions, score, tokens, latency, labels).
    public var profiles = ModelProfiles()
    /// Records per minute of each serving host and access-log series, for logging gaps.
    public var activity = ActivityTimeline<ActivityStream>()
    /// Per model, short windows of volume, errors and latency, for capacity.
    public var capacity = CapacityWindows<String>()
    /// Distinct 4xx paths per address and minute, for probing bursts.
    public var pathBursts = PathBurstTable()
    /// Per-client (per model) and per-address windows for the abuse detectors.
    public var abuse = AbuseState()

    public init(windowMillis: Int64, sources: [SourceStatistics], principalCapacity: Int = 2048) {
        self.windowMillis = windowMillis
        self.sources = sources
        gateway = PrincipalTables(capacity: principalCapacity)
        inference = PrincipalTables(capacity: principalCapacity)
    }

    /// Adds another summary. When one side's windows are longer (it ran out of window budget
    /// first), the other side is coarsened to the same length before the windows add.
    public mutating func merge(_ other: AnalysisSummary) {
        var other = other
        while windowMillis < other.windowMillis { coarsen() }
        while other.windowMillis < windowMillis { other.coarsen() }
        for index in other.sources.indices {
            if index < sources.count {
                sources[index].merge(other.sources[index])
            } else {
                sources.append(other.sources[index])
            }
        }
        windows.mergeAdding(other.windows)
        gateway.merge(other.gateway)
        inference.merge(other.inference)
        gatewayViews.merge(other.gatewayViews)
        probes.merge(other.probes)
        adminCalls.merge(other.adminCalls)
        requestSamples.merge(other.requestSamples)
        profiles.merge(other.profiles)
        activity.merge(other.activity)
        capacity.merge(other.capacity)
        pathBursts.merge(other.pathBursts)
        abuse.merge(other.abuse)
    }

    /// The next window length on the ladder 1 s, 5 s, 10 s, 30 s, 1 min, 5 min, 15 min, 1 h, 3 h,
    /// 6 h, 1 day, then doubling: each step is a multiple of the one before, so windows of a
    /// finer step nest exactly inside the coarser one and re-bucketing loses nothing but
    /// resolution.
    public static func coarserWindow(after millis: Int64) -> Int64 {
        let ladder: [Int64] = [
            1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 10_800_000, 21_600_000, 86_400_000,
        ]
        return ladder.first { $0 > millis && $0 % millis == 0 } ?? millis * 2
    }

    /// Re-buckets every window into the next longer window length.
    public mutating func coarsen() {
        windowMillis = Self.coarserWindow(after: windowMillis)
        windows = windows.rebucketed(\.windowStartMillis, to: windowMillis)
    }

    /// Approximate bytes held by the window table.
    public var windowFootprint: Int { windows.values.reduce(0) { $0 + $1.footprint } }

    /// Records parsed across all sources; zero means the run had nothing to check.
    public var parsedRecords: Int { sources.reduce(0) { $0 + $1.parsed } }

    /// Coarsens until the window table fits `budget` bytes. A worker's table is never larger
    /// than the merged table at the same window length, and every worker coarsens only when its
    /// own table passes the same budget, so the final window length is the shortest one at which
    /// the merged table fits: the same however the input was split among workers.
    public mutating func coarsen(toFit budget: Int) {
        while windowFootprint > budget && windows.count > 1 { coarsen() }
    }
}

/// A log stream that should write steadily: a serving host of the inference logs (`isHost`), or
/// a rotation series of files (`gateway/access` for `gateway/access.log`, `access.log.1.gz` ...).
public struct ActivityStream: Hashable, Sendable, Comparable {
    public var kind: LogKind
    public var name: String
    public var isHost: Bool

    public static func < (lhs: ActivityStream, rhs: ActivityStream) -> Bool {
        (lhs.kind.rawValue, lhs.name) < (rhs.kind.rawValue, rhs.name)
    }
}

extension StreamWindow: Mergeable {}

/// One model's totals over the whole window table: every stream window of the model merged,
/// with the versions and hosts it was seen with.
public struct ModelTotals: Sendable {
    public var model: String
    public var window = StreamWindow()
    public var versions: Set<String> = []
    public var hosts: Set<String> = []
}

extension StreamWindow: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(records)
        writer.write(statusClasses)
        writer.write(throttled)
        writer.write(unavailable)
        writer.write(latency)
        writer.write(latencySumMillis)
        writer.write(promptTokens)
        writer.write(completionTokens)
        writer.write(logprobRequests)
        writer.write(firstMillis)
        writer.write(lastMillis)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        records = try reader.readCount()
        statusClasses = try reader.readCounts(exactly: 6, what: "status classes")
        throttled = try reader.readCount()
        unavailable = try reader.readCount()
        latency = try reader.read()
        latencySumMillis = try reader.readDouble()
        promptTokens = try reader.readCount()
        completionTokens = try reader.readCount()
        logprobRequests = try reader.readCount()
        firstMillis = try reader.readMillis()
        lastMillis = try reader.readMillis()
    }
}

extension WindowKey: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(windowStartMillis)
        writer.write(source)
        writer.write(model)
        writer.write(modelVersion)
        writer.write(host)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(
            windowStartMillis: try reader.readMillis(), source: try reader.readCount(), model: try reader.read(),
            modelVersion: try reader.read(), host: try reader.read())
    }
}

extension ActivityStream: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(kind)
        writer.write(name)
        writer.write(isHost)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(kind: try reader.read(), name: try reader.readString(), isHost: try reader.readBool())
    }
}

extension PrincipalTables: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(clients)
        writer.write(addresses)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(capacity: 1)
        clients = try reader.read()
        addresses = try reader.read()
    }
}

extension AnalysisSummary: StateCodable {
    /// Every field, in declaration order; each feature's state writes itself.
    public func encode(to writer: inout StateWriter) {
        writer.write(windowMillis)
        writer.write(sources)
        writer.write(windows)
        writer.write(gateway)
        writer.write(inference)
        writer.write(gatewayViews)
        writer.write(probes)
        writer.write(adminCalls)
        writer.write(requestSamples)
        writer.write(profiles)
        writer.write(activity)
        writer.write(capacity)
        writer.write(pathBursts)
        writer.write(abuse)
    }

    /// Reads a summary and checks that every source index it holds names one of its sources.
    public init(from reader: inout StateReader) throws(StateFileError) {
        let windowMillis = try reader.readDuration()
        try reader.check(windowMillis > 0, "a window length of \(windowMillis) ms")
        self.init(windowMillis: windowMillis, sources: try reader.readArray(), principalCapacity: 1)
        windows = try reader.readDictionary()
        gateway = try reader.read()
        inference = try reader.read()
        gatewayViews = try reader.read()
        probes = try reader.read()
        adminCalls = try reader.read()
        requestSamples = try reader.read()
        profiles = try reader.read()
        activity = try reader.read()
        capacity = try reader.read()
        pathBursts = try reader.read()
        abuse = try reader.read()
        let sourceCount = sources.count
        try reader.check(windows.keys.allSatisfy { $0.source < sourceCount }, "a window of a source not listed")
        try reader.check(
            requestSamples.requests.values.allSatisfy { ($0.accessSource ?? 0) < sourceCount },
            "a sampled request of a source not listed")
    }
}

extension AnalysisSummary {
    /// Per-model totals derived from the window table, by model name (records with no model
    /// are left out). Read by the report's model table and by environment separation.
    public var modelTotals: [ModelTotals] {
        var byModel: [String: ModelTotals] = [:]
        for (key, window) in windows {
            guard let model = key.model else { continue }
            var totals = byModel[model] ?? ModelTotals(model: model)
            totals.window.merge(window)
            if let version = key.modelVersion { totals.versions.insert(version) }
            if let host = key.host { totals.hosts.insert(host) }
            byModel[model] = totals
        }
        return byModel.values.sorted { $0.model < $1.model }
    }
}
