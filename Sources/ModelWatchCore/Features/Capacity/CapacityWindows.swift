/// Latency counts in quarter-octave buckets: bucket = 4 × (binary exponent) + the two top
/// mantissa bits, so each bucket spans a quarter of a power of two (at most 19% wide) and the
/// index costs a few bit operations, no logarithm. Covers 1/16 ms to about 17 minutes; values
/// outside go to the end buckets.
///
/// A quantile read from it is the middle of its bucket: within ±10% of the exact value.
public struct QuarterOctaveHistogram: Sendable, Equatable {
    /// Lowest binary exponent kept (2^-4 ms) and number of buckets (24 octaves).
    static let lowestExponent = -4
    public static let bucketCount = 96
    public private(set) var counts = [UInt32](repeating: 0, count: bucketCount)
    public private(set) var total = 0

    public init() {}

    @inline(__always)
    static func bucket(for value: Double) -> Int {
        guard value > 0 else { return 0 }
        let bits = value.bitPattern
        let exponent = Int((bits >> 52) & 0x7FF) - 1023
        let quarter = Int((bits >> 50) & 3)
        return min(max((exponent - lowestExponent) * 4 + quarter, 0), bucketCount - 1)
    }

    /// The middle of bucket `index`, in the recorded unit.
    static func middle(of index: Int) -> Double {
        let exponent = index / 4 + lowestExponent
        let quarter = Double(index % 4)
        let base = Double(sign: .plus, exponent: exponent, significand: 1)
        return base * (1 + (quarter + 0.5) / 4)
    }

    @inline(__always)
    public mutating func record(_ value: Double) {
        counts[Self.bucket(for: value)] &+= 1
        total += 1
    }

    public mutating func merge(_ other: QuarterOctaveHistogram) {
        for index in counts.indices { counts[index] &+= other.counts[index] }
        total += other.total
    }

    /// The value below which a share `q` of the recorded values lie (bucket middle); nil when empty.
    public func quantile(_ q: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = max(1, Int((q * Double(total)).rounded(.up)))
        var seen = 0
        for (index, count) in counts.enumerated() {
            seen += Int(count)
            if seen >= rank { return Self.middle(of: index) }
        }
        return Self.middle(of: Self.bucketCount - 1)
    }
}

/// What one model's calls looked like in one short window: volume, errors by kind and latency.
public struct CapacityWindow: Sendable, Equatable {
    public var records = 0
    /// Calls answered 5xx (503 included).
    public var serverErrors = 0
    /// Calls answered 503 (service unavailable) and 429 (throttled).
    public var unavailable = 0
    public var throttled = 0
    public var latency = QuarterOctaveHistogram()
    /// Latency per completion token of the served calls that report `completion_tokens`
    /// (dividing by at least `minimumTokensPerCall`): a language model's speed, which long
    /// completions do not change the way they change a call's latency.
    public var latencyPerToken = QuarterOctaveHistogram()
    public var firstMillis: Int64 = .max
    public var lastMillis: Int64 = .min

    public init() {}

    /// Calls that failed for capacity reasons or server faults: 5xx and 429.
    public var failures: Int { serverErrors + throttled }

    /// The fewest tokens a call's latency is divided by. A call's latency is about the time to
    /// first token plus the tokens times the time per token (generate_logs.py models it as
    /// 180 ms + 22 ms a token); divided by its own few tokens a short answer would look many
    /// times slower per token than a long one, so a client asking for short answers would move
    /// the measure. With at least 32, a 180 ms first token adds at most 6 ms a token.
    public static let minimumTokensPerCall: Int32 = 32

    @inline(__always)
    mutating func add(status: Int32, latencyMillis: Double, completionTokens: Int32 = -1, at millis: Int64) {
        records += 1
        if status >= 500 && status < 600 { serverErrors += 1 }
        if status == 503 { unavailable += 1 }
        if status == 429 { throttled += 1 }
        // Failed calls answer fast; their latency would hide the slowness of the served ones.
        if latencyMillis.isFinite && latencyMillis >= 0 && (status < 400 || status >= 600 || status == 0) {
            latency.record(latencyMillis)
            if completionTokens > 0 {
                latencyPerToken.record(latencyMillis / Double(max(completionTokens, Self.minimumTokensPerCall)))
            }
        }
        if millis < firstMillis { firstMillis = millis }
        if millis > lastMillis { lastMillis = millis }
    }

    public mutating func merge(_ other: CapacityWindow) {
        records += other.records
        serverErrors += other.serverErrors
        unavailable += other.unavailable
        throttled += other.throttled
        latency.merge(other.latency)
        latencyPerToken.merge(other.latencyPerToken)
        firstMillis = min(firstMillis, other.firstMillis)
        lastMillis = max(lastMillis, other.lastMillis)
    }

    static let footprint = 2 * QuarterOctaveHistogram.bucketCount * 4 + 128
}

/// Per model, a `CapacityWindow` for every short window (5 minutes to start with): what the
/// capacity detector compares with the model's own usual latency and error share.
///
/// Kept apart from the main window table because it is keyed by model alone: a month of
/// 5-minute windows is 8,640 per model, about 4 MB. Past `budget` bytes the windows grow along
/// `AnalysisSummary.coarserWindow` (5 min → 15 min → 1 h ...), the same for every worker.
public struct CapacityWindows<Model: Hashable & Sendable>: Sendable {
    public struct Key: Hashable, Sendable {
        public var model: Model
        public var windowStartMillis: Int64
    }

    public private(set) var windowMillis: Int64
    public let budget: Int
    public private(set) var windows: [Key: CapacityWindow] = [:]

    public init(windowMillis: Int64 = 300_000, budget: Int = 4 << 20) {
        self.windowMillis = windowMillis
        self.budget = budget
    }

    @inline(__always)
    mutating func add(
        model: Model, status: Int32, latencyMillis: Double, completionTokens: Int32 = -1, at millis: Int64
    ) {
        let key = Key(model: model, windowStartMillis: ChunkAggregator.floor(millis, to: windowMillis))
        let before = windows.count
        // One hash lookup, the window changed in place.
        windows[key, default: CapacityWindow()].add(
            status: status, latencyMillis: latencyMillis, completionTokens: completionTokens, at: millis)
        if windows.count > before && windows.count * CapacityWindow.footprint > budget { coarsenToFit() }
    }

    private mutating func coarsenToFit() {
        while windows.count * CapacityWindow.footprint > budget && windows.count > 1 {
            rebucket(to: AnalysisSummary.coarserWindow(after: windowMillis))
        }
    }

    private mutating func rebucket(to length: Int64) {
        windows = windows.rebucketed(\.windowStartMillis, to: length)
        windowMillis = length
    }

    public mutating func merge(_ other: CapacityWindows<Model>) {
        var other = other
        while windowMillis < other.windowMillis { rebucket(to: AnalysisSummary.coarserWindow(after: windowMillis)) }
        while other.windowMillis < windowMillis {
            other.rebucket(to: AnalysisSummary.coarserWindow(after: other.windowMillis))
        }
        windows.mergeAdding(other.windows)
        coarsenToFit()
    }

    /// The same windows under other model names.
    public func mapModels<Other: Hashable & Sendable>(_ transform: (Model) -> Other) -> CapacityWindows<Other> {
        var mapped = CapacityWindows<Other>(windowMillis: windowMillis, budget: budget)
        for (key, window) in windows {
            mapped.windows[
                CapacityWindows<Other>.Key(model: transform(key.model), windowStartMillis: key.windowStartMillis),
                default: CapacityWindow()
            ].merge(window)
        }
        return mapped
    }
}

extension CapacityWindow: Mergeable {}

extension QuarterOctaveHistogram: StateCodable {
    public func encode(to writer: inout StateWriter) {
        for count in counts { writer.write(count) }
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        for index in counts.indices {
            counts[index] = try reader.readUInt32()
            total += Int(counts[index])
        }
    }
}

extension CapacityWindow: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(records)
        writer.write(serverErrors)
        writer.write(unavailable)
        writer.write(throttled)
        writer.write(latency)
        writer.write(latencyPerToken)
        writer.write(firstMillis)
        writer.write(lastMillis)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        records = try reader.readCount()
        serverErrors = try reader.readCount()
        unavailable = try reader.readCount()
        throttled = try reader.readCount()
        latency = try reader.read()
        latencyPerToken = try reader.read()
        firstMillis = try reader.readMillis()
        lastMillis = try reader.readMillis()
    }
}

extension CapacityWindows.Key: StateCodable where Model: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(model)
        writer.write(windowStartMillis)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(model: try reader.read(), windowStartMillis: try reader.readMillis())
    }
}

extension CapacityWindows: StateCodable where Model: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(windowMillis)
        writer.write(budget)
        writer.write(windows)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        let windowMillis = try reader.readDuration()
        try reader.check(windowMillis > 0, "a capacity window of \(windowMillis) ms")
        self.init(windowMillis: windowMillis, budget: try reader.readCount())
        windows = try reader.readDictionary()
    }
}
