#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What one client (API key) did on one model in one window: the per-window statistics the
/// abuse detector compares with the client's own history and with its peers on the model.
///
/// Every field merges by addition (counts, moment sums), register maximum (HyperLogLog) or
/// bottom-k union (`DistanceSample`), so cells built by different workers combine.
public struct ClientWindow: Sendable {
    public var windowStartMillis: Int64
    public var calls = 0
    /// 401 and 403 answers.
    public var authFailures = 0
    /// 429 answers, and calls the client kept sending after its first 429 of the window (counted
    /// in the order one worker saw them: a lower bound when a window spans several workers).
    public var throttled = 0
    public var callsAfterThrottle = 0
    public var promptTokens = 0
    public var completionTokens = 0
    /// Calls that asked for `logprobs` or `top_logprobs`.
    public var logprobCalls = 0
    /// Calls with a `score`, and those with a score within 0.1 of 0.5 (near the decision boundary).
    public var scored = 0
    public var nearBoundary = 0
    /// Tabular queries compared with the client's earlier ones, and how many of them equal an
    /// earlier query (duplicate) or differ from one in exactly one feature (perturbation).
    public var compared = 0
    public var duplicates = 0
    public var perturbations = 0
    /// Tabular queries checked against every earlier query of the client in the window (by
    /// signature, see `QueryVariantSet`), and how many were a copy of one or one feature away.
    public var variantChecked = 0
    public var historyCopies = 0
    public var historyVariants = 0
    /// Inter-arrival gaps in seconds (for the coefficient of variation).
    public var gaps = MomentSums()
    /// PRADA distances: each tabular query's minimum scaled L2 distance to the client's earlier
    /// queries of the same predicted class.
    public var distances = DistanceSample()
    /// Distinct calling addresses and /24 (IPv4) or /48 (IPv6) networks.
    public var addresses = SmallDistinctCount()
    public var networks = SmallDistinctCount()
    /// Distinct (feature, logarithmic bin) pairs the queries touched: input coverage (Kesarwani
    /// et al. 2018) for tabular models; distinct prompt lengths (a proxy of prompt diversity, as
    /// prompts themselves are not logged) for LLMs.
    public var coverage = SmallDistinctCount()
    public var promptLengths = SmallDistinctCount()
    public var firstMillis: Int64 = .max
    public var lastMillis: Int64 = .min

    /// Approximate bytes a cell holds without its distance sample's values.
    static let fixedFootprint = MemoryLayout<ClientWindow>.stride

    public init(windowStartMillis: Int64) {
        self.windowStartMillis = windowStartMillis
    }

    var footprint: Int { Self.fixedFootprint + distances.footprint }

    public var tokens: Int { promptTokens + completionTokens }

    public mutating func merge(_ other: ClientWindow) {
        calls += other.calls
        authFailures += other.authFailures
        throttled += other.throttled
        callsAfterThrottle += other.callsAfterThrottle
        promptTokens += other.promptTokens
        completionTokens += other.completionTokens
        logprobCalls += other.logprobCalls
        scored += other.scored
        nearBoundary += other.nearBoundary
        compared += other.compared
        duplicates += other.duplicates
        perturbations += other.perturbations
        variantChecked += other.variantChecked
        historyCopies += other.historyCopies
        historyVariants += other.historyVariants
        gaps.merge(other.gaps)
        distances.merge(other.distances)
        addresses.merge(other.addresses)
        networks.merge(other.networks)
        coverage.merge(other.coverage)
        promptLengths.merge(other.promptLengths)
        firstMillis = min(firstMillis, other.firstMillis)
        lastMillis = max(lastMillis, other.lastMillis)
    }
}

/// A uniform sample of at most `capacity` values that merges exactly: each value carries a hash,
/// and the sample keeps the values with the smallest hashes (a bottom-k sketch, Cohen & Kaplan
/// 2007). The union of two samples' bottom-k is the bottom-k of the union of their streams.
public struct DistanceSample: Sendable {
    public static let capacity = 160
    private var hashes: [UInt32] = []
    private var values: [Float] = []
    /// Once the sample has been trimmed, no hash at or above this can enter it again.
    private var admitBelow = UInt32.max
    /// Values offered, kept or not.
    public private(set) var offered = 0

    public init() {}

    var footprint: Int { hashes.capacity * 8 }

    @inline(__always)
    mutating func add(_ value: Float, hash: UInt32) {
        offered += 1
        guard hash < admitBelow else { return }
        hashes.append(hash)
        values.append(value)
        if hashes.count >= 2 * Self.capacity { trim() }
    }

    private mutating func trim() {
        guard hashes.count > Self.capacity else { return }
        let order = hashes.indices.sorted { hashes[$0] < hashes[$1] }.prefix(Self.capacity)
        hashes = order.map { hashes[$0] }
        values = order.map { values[$0] }
        admitBelow = hashes.last ?? .max
    }

    public mutating func merge(_ other: DistanceSample) {
        offered += other.offered
        // A value either side turned away lies above that side's bar, so above the union's.
        admitBelow = min(admitBelow, other.admitBelow)
        hashes += other.hashes
        values += other.values
        trim()
    }

    /// The kept values (at most `capacity`).
    public var sample: [Double] {
        var copy = self
        copy.trim()
        return copy.values.map(Double.init)
    }
}

/// Population totals of one model in one window, over every record (heavy hitters and tail), the
/// reference the per-client shares are compared with.
public struct ModelWindowTotals: Sendable {
    public var calls = 0
    public var scored = 0
    public var nearBoundary = 0
    public var logprobCalls = 0
    public var promptTokens = 0
    public var completionTokens = 0
    public var coverage = HyperLogLog(precision: 8)

    public init() {}

    public mutating func merge(_ other: ModelWindowTotals) {
        calls += other.calls
        scored += other.scored
        nearBoundary += other.nearBoundary
        logprobCalls += other.logprobCalls
        promptTokens += other.promptTokens
        completionTokens += other.completionTokens
        coverage.merge(other.coverage)
    }
}

/// What one calling address did in one window, from the access logs (rejected calls never reach
/// a model, so only the gateway sees credential stuffing).
public struct AddressWindow: Sendable {
    public var windowStartMillis: Int64
    public var attempts = 0
    public var authFailures = 0
    /// Distinct keys presented, and distinct keys that were refused (401/403).
    public var keys = SmallDistinctCount()
    public var failedKeys = SmallDistinctCount()
    /// 401/403 answers per 10-second bucket (bucket index since the epoch), only for buckets that
    /// had one; at most `maximumBuckets` buckets per window (later ones still count in totals).
    public var failureBuckets: [Int64: Int32] = [:]
    public var firstMillis: Int64 = .max
    public var lastMillis: Int64 = .min

    static let maximumBuckets = 720
    static let fixedFootprint = MemoryLayout<AddressWindow>.stride

    public init(windowStartMillis: Int64) {
        self.windowStartMillis = windowStartMillis
    }

    var footprint: Int { Self.fixedFootprint + failureBuckets.count * 24 }

    /// Most 401/403 answers in one 10-second bucket (CrowdSec `http-generic-bf`: more than 5 in
    /// 10 s is a brute-force burst).
    public var peakFailuresPer10s: Int { Int(failureBuckets.values.max() ?? 0) }

    public mutating func merge(_ other: AddressWindow) {
        attempts += other.attempts
        authFailures += other.authFailures
        keys.merge(other.keys)
        failedKeys.merge(other.failedKeys)
        for (bucket, count) in other.failureBuckets
        where failureBuckets[bucket] != nil || failureBuckets.count < Self.maximumBuckets {
            failureBuckets[bucket, default: 0] += count
        }
        firstMillis = min(firstMillis, other.firstMillis)
        lastMillis = max(lastMillis, other.lastMillis)
    }
}

/// The merged, named per-client and per-address windows the abuse detector reads: part of
/// `AnalysisSummary`. Keys are Strings here (bounded: only tracked heavy hitters get a name).
public struct AbuseState: Sendable {
    /// Length of the windows (one hour at first; longer when a worker's budget forced it).
    public var windowMillis: Int64 = AbuseState.initialWindowMillis
    /// model name ("" for the gateway's view, from access logs) → client → window start → cell.
    public var clients: [String: [String: [Int64: ClientWindow]]] = [:]
    /// model name → window start → population totals.
    public var models: [String: [Int64: ModelWindowTotals]] = [:]
    /// address → window start → cell (access logs only).
    public var addresses: [String: [Int64: AddressWindow]] = [:]
    /// Distinct clients and addresses seen, tracked or not.
    public var distinctClients = HyperLogLog(precision: 12)
    public var distinctAddresses = HyperLogLog(precision: 12)
    /// Records of clients and addresses dropped from tracking to keep memory bounded (the long
    /// tail: keys too rare to hold a place among the heavy hitters).
    public var untrackedClientRecords = 0
    public var untrackedAddressRecords = 0

    public static let initialWindowMillis: Int64 = 3_600_000

    public init() {}

    public mutating func merge(_ other: AbuseState) {
        if clients.isEmpty && models.isEmpty && addresses.isEmpty && untrackedClientRecords == 0
            && untrackedAddressRecords == 0 && distinctClients == HyperLogLog(precision: 12)
        {
            self = other  // the first worker's state: take it whole rather than copy cell by cell
            return
        }
        var other = other
        while windowMillis < other.windowMillis { coarsen() }
        while other.windowMillis < windowMillis { other.coarsen() }
        for (model, table) in other.clients {
            for (client, cells) in table {
                clients[model, default: [:]][client, default: [:]].mergeAdding(cells)
            }
        }
        for (model, windows) in other.models {
            models[model, default: [:]].mergeAdding(windows)
        }
        for (address, cells) in other.addresses {
            addresses[address, default: [:]].mergeAdding(cells)
        }
        distinctClients.merge(other.distinctClients)
        distinctAddresses.merge(other.distinctAddresses)
        untrackedClientRecords += other.untrackedClientRecords
        untrackedAddressRecords += other.untrackedAddressRecords
    }

    /// Drops every window that starts before `millis` (see `AbuseFeature.lookBackMillis`), and
    /// the clients and addresses left with none.
    public mutating func forget(before millis: Int64) {
        func recent<Cell>(_ cells: [Int64: Cell]) -> [Int64: Cell]? {
            guard cells.keys.contains(where: { $0 < millis }) else { return cells }
            let kept = cells.filter { $0.key >= millis }
            return kept.isEmpty ? nil : kept
        }
        clients = clients.compactMapValues { table in
            let kept = table.compactMapValues(recent)
            return kept.isEmpty ? nil : kept
        }
        models = models.compactMapValues(recent)
        addresses = addresses.compactMapValues(recent)
    }

    /// Re-buckets every window into the next longer window length.
    public mutating func coarsen() {
        windowMillis = AnalysisSummary.coarserWindow(after: windowMillis)
        let length = windowMillis
        func rebucket<Cell>(
            _ cells: [Int64: Cell], _ merge: (inout Cell, Cell) -> Void, _ restart: (inout Cell, Int64) -> Void
        )
            -> [Int64: Cell]
        {
            var out: [Int64: Cell] = [:]
            for (start, cell) in cells {
                let coarse = ChunkAggregator.floor(start, to: length)
                if var existing = out[coarse] {
                    merge(&existing, cell)
                    out[coarse] = existing
                } else {
                    var moved = cell
                    restart(&moved, coarse)
                    out[coarse] = moved
                }
            }
            return out
        }
        clients = clients.mapValues { table in
            table.mapValues { rebucket($0, { $0.merge($1) }, { $0.windowStartMillis = $1 }) }
        }
        models = models.mapValues { rebucket($0, { $0.merge($1) }, { _, _ in }) }
        addresses = addresses.mapValues { rebucket($0, { $0.merge($1) }, { $0.windowStartMillis = $1 }) }
    }
}

/// A HyperLogLog of 64 one-byte registers held inline (no heap storage, so a window cell costs
/// one allocation less per sketch): the same estimator as `HyperLogLog` with precision 6, whose
/// linear-counting range keeps counts up to a few dozen within one or two, and larger ones
/// within about 13%.
public struct SmallDistinctCount: Sendable, Equatable {
    private var registers = SIMD64<UInt8>()

    public init() {}

    @inline(__always)
    public mutating func insert(hash: UInt64) {
        let index = Int(hash >> 58)
        let rank = UInt8(min((hash << 6).leadingZeroBitCount, 58) + 1)
        if registers[index] < rank { registers[index] = rank }
    }

    public mutating func merge(_ other: SmallDistinctCount) {
        registers = pointwiseMax(registers, other.registers)
    }

    public var estimate: Double {
        var sum = 0.0
        var zeros = 0
        for index in 0..<64 {
            sum += 1.0 / Double(UInt64(1) << UInt64(registers[index]))
            if registers[index] == 0 { zeros += 1 }
        }
        let m = 64.0
        let raw = 0.709 * m * m / sum
        if raw <= 2.5 * m && zeros > 0 { return m * log(m / Double(zeros)) }
        return raw
    }
}

extension ClientWindow: Mergeable {}
extension ModelWindowTotals: Mergeable {}
extension AddressWindow: Mergeable {}

extension SmallDistinctCount: StateCodable {
    public func encode(to writer: inout StateWriter) {
        for index in 0..<64 { writer.write(registers[index]) }
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        for index in 0..<64 { registers[index] = try reader.readUInt8() }
        try reader.check((0..<64).allSatisfy { registers[$0] <= 59 }, "a distinct-count register above 59")
    }
}

extension DistanceSample: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(hashes.count)
        for index in hashes.indices {
            writer.write(hashes[index])
            writer.write(values[index])
        }
        writer.write(admitBelow)
        writer.write(offered)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        let count = try reader.readLength(minimumElementBytes: 2)
        try reader.check(count < 2 * Self.capacity, "\(count) values in a distance sample")
        for _ in 0..<count {
            hashes.append(try reader.readUInt32())
            values.append(try reader.readFloat())
        }
        admitBelow = try reader.readUInt32()
        offered = try reader.readCount()
    }
}

extension ClientWindow: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(windowStartMillis)
        writer.write(calls)
        writer.write(authFailures)
        writer.write(throttled)
        writer.write(callsAfterThrottle)
        writer.write(promptTokens)
        writer.write(completionTokens)
        writer.write(logprobCalls)
        writer.write(scored)
        writer.write(nearBoundary)
        writer.write(compared)
        writer.write(duplicates)
        writer.write(perturbations)
        writer.write(variantChecked)
        writer.write(historyCopies)
        writer.write(historyVariants)
        writer.write(gaps)
        writer.write(distances)
        writer.write(addresses)
        writer.write(networks)
        writer.write(coverage)
        writer.write(promptLengths)
        writer.write(firstMillis)
        writer.write(lastMillis)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(windowStartMillis: try reader.readMillis())
        calls = try reader.readCount()
        authFailures = try reader.readCount()
        throttled = try reader.readCount()
        callsAfterThrottle = try reader.readCount()
        promptTokens = try reader.readCount()
        completionTokens = try reader.readCount()
        logprobCalls = try reader.readCount()
        scored = try reader.readCount()
        nearBoundary = try reader.readCount()
        compared = try reader.readCount()
        duplicates = try reader.readCount()
        perturbations = try reader.readCount()
        variantChecked = try reader.readCount()
        historyCopies = try reader.readCount()
        historyVariants = try reader.readCount()
        gaps = try reader.read()
        distances = try reader.read()
        addresses = try reader.read()
        networks = try reader.read()
        coverage = try reader.read()
        promptLengths = try reader.read()
        firstMillis = try reader.readMillis()
        lastMillis = try reader.readMillis()
    }
}

extension ModelWindowTotals: StateCodable {
    /// The HyperLogLog precision of `coverage` (see its declaration).
    static let coveragePrecision = 8

    public func encode(to writer: inout StateWriter) {
        writer.write(calls)
        writer.write(scored)
        writer.write(nearBoundary)
        writer.write(logprobCalls)
        writer.write(promptTokens)
        writer.write(completionTokens)
        writer.write(coverage)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        calls = try reader.readCount()
        scored = try reader.readCount()
        nearBoundary = try reader.readCount()
        logprobCalls = try reader.readCount()
        promptTokens = try reader.readCount()
        completionTokens = try reader.readCount()
        coverage = try HyperLogLog(from: &reader, precision: Self.coveragePrecision)
    }
}

extension AddressWindow: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(windowStartMillis)
        writer.write(attempts)
        writer.write(authFailures)
        writer.write(keys)
        writer.write(failedKeys)
        writer.write(failureBuckets)
        writer.write(firstMillis)
        writer.write(lastMillis)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(windowStartMillis: try reader.readMillis())
        attempts = try reader.readCount()
        authFailures = try reader.readCount()
        keys = try reader.read()
        failedKeys = try reader.read()
        failureBuckets = try reader.readDictionary()
        firstMillis = try reader.readMillis()
        lastMillis = try reader.readMillis()
    }
}

extension AbuseState: StateCodable {
    /// The HyperLogLog precision of the distinct client and address counts (see their declarations).
    static let distinctPrecision = 12

    public func encode(to writer: inout StateWriter) {
        writer.write(windowMillis)
        writer.write(clients.count)
        for (model, table) in clients {
            writer.write(model)
            writer.write(table)
        }
        writer.write(models.count)
        for (model, windows) in models {
            writer.write(model)
            writer.write(windows)
        }
        writer.write(addresses)
        writer.write(distinctClients)
        writer.write(distinctAddresses)
        writer.write(untrackedClientRecords)
        writer.write(untrackedAddressRecords)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        windowMillis = try reader.readDuration()
        try reader.check(windowMillis > 0, "an abuse window of \(windowMillis) ms")
        for _ in 0..<(try reader.readLength(minimumElementBytes: 2)) {
            let model = try reader.readString()
            let table = try reader.readDictionary([String: [Int64: ClientWindow]].self)
            try reader.check(clients.updateValue(table, forKey: model) == nil, "a model's clients written twice")
        }
        for _ in 0..<(try reader.readLength(minimumElementBytes: 2)) {
            let model = try reader.readString()
            let windows = try reader.readDictionary([Int64: ModelWindowTotals].self)
            try reader.check(models.updateValue(windows, forKey: model) == nil, "a model's totals written twice")
        }
        addresses = try reader.readDictionary()
        distinctClients = try HyperLogLog(from: &reader, precision: Self.distinctPrecision)
        distinctAddresses = try HyperLogLog(from: &reader, precision: Self.distinctPrecision)
        untrackedClientRecords = try reader.readCount()
        untrackedAddressRecords = try reader.readCount()
    }
}
