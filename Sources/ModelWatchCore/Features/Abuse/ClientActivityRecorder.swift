/// One worker's per-client and per-address abuse statistics, in bounded memory.
///
/// Fed once per parsed record (`record(_:line:)`), straight from the line's bytes: keys are hashed
/// (`ByteHashing`) and looked up without a `String`; only tracked keys keep their bytes, and only
/// `finish()` names them.
///
/// Bounds, so that a million distinct keys or addresses cannot exhaust memory:
/// - while a table is less than half full a key gets a place on its first record (so counts
///   and first-record times are exact); past that only on its second sighting (a doorkeeper
///   bit set, as TinyLFU admits entries), so the one-off keys of a spray never allocate;
/// - each table keeps at most `capacity` keys; when full, the less active half is dropped and
///   its records counted as untracked (the long tail), while every record still counts in the
///   per-model population totals and the distinct-key HyperLogLogs;
/// - cells are per window (an hour at first); when the whole state passes `budget` bytes the
///   windows grow along `AnalysisSummary.coarserWindow`, as the other window tables do.
///
/// Order-dependent statistics are computed in the order this worker sees the records (chunks of
/// a file are time-ordered lines): PRADA distances and perturbation checks compare a query with
/// the client's last `QueryHistory.depth` queries per predicted class (for at most
/// `ClientEntry.maximumComparisons` queries per window), not its whole history, and
/// inter-arrival gaps are taken between consecutive records of a client in the same worker. A
/// client whose records are split across workers loses the comparisons across the split; the
/// results then merge as samples (`DistanceSample`) and sums.
struct ClientActivityRecorder {
    private(set) var windowMillis: Int64 = AbuseState.initialWindowMillis
    let capacity: Int
    let addressCapacity: Int
    let budget: Int
    private(set) var footprint = 0
    /// Model name → table index (index 0 is the gateway's view from access logs).
    private var modelIndex = ByteKeyTable()
    private var lastModel = 0
    private var tables: [TrackedKeys<ClientEntry>] = [TrackedKeys()]
    private var scales: [FeatureScale] = [FeatureScale()]
    /// Per model, population totals by window, in window order (records mostly arrive in order,
    /// so the current window is found from the end without hashing).
    private var totals: [[(start: Int64, totals: ModelWindowTotals)]] = [[]]
    private var addressTable = TrackedKeys<AddressEntry>()
    private var doorkeeper = Doorkeeper()
    private var distinctClients = HyperLogLog(precision: 12)
    private var distinctAddresses = HyperLogLog(precision: 12)
    private var untrackedClientRecords = 0
    private var untrackedAddressRecords = 0
    /// While a table holds fewer keys than this share of its capacity, every key is admitted on
    /// its first sighting; past it, only on its second (the doorkeeper). A deployment's usual
    /// hundreds of keys are then counted exactly from their first record, by any number of
    /// workers, and the doorkeeper still keeps a spray of one-off keys from filling the table.
    static let freeAdmissionShare = 0.5
    /// Models past this many share the last table.
    static let maximumModels = 64

    init(capacity: Int = 1024, addressCapacity: Int = 2048, budget: Int = AnalysisOptions.defaultAbuseBudget) {
        self.capacity = max(2, capacity)
        self.addressCapacity = max(2, addressCapacity)
        self.budget = budget
    }

    /// Folds one parsed record into the client and address tables.
    mutating func record(_ record: ParsedRecord, line: UnsafeRawBufferPointer) {
        let millis = record.timestampMillis
        let windowStart = ChunkAggregator.floor(millis, to: windowMillis)
        let hasAddress = !record.address.isAbsent && record.address.count > 0
        let address =
            hasAddress ? record.address.bytes(in: line) : UnsafeRawBufferPointer(start: nil, count: 0)
        let addressHash = hasAddress ? ByteHashing.hash(address) : 0
        let hasClient = !record.client.isAbsent && record.client.count > 0
        var clientHash: UInt64 = 0
        if hasClient {
            let client = record.client.bytes(in: line)
            clientHash = ByteHashing.hash(client)
            distinctClients.insert(hash: clientHash)
            let model = record.kind == .inference ? modelTable(record.model, line) : 0
            if model > 0 { countPopulation(record, model: model, windowStart: windowStart, line: line) }
            recordClient(
                record, key: client, hash: clientHash, model: model, windowStart: windowStart, line: line,
                address: address, addressHash: addressHash)
        } else if record.kind == .inference {
            let model = modelTable(record.model, line)
            if model > 0 { countPopulation(record, model: model, windowStart: windowStart, line: line) }
        }
        if hasAddress {
            distinctAddresses.insert(hash: addressHash)
            if record.kind == .access {
                recordAddress(
                    record, key: address, hash: addressHash, clientHash: hasClient ? clientHash : nil,
                    windowStart: windowStart)
            }
        }
        if footprint > budget { coarsen() }
    }

    private mutating func modelTable(_ span: ByteSpan, _ line: UnsafeRawBufferPointer) -> Int {
        guard !span.isAbsent, span.count > 0 else { return 0 }
        let name = span.bytes(in: line)
        // Most records name the same model as the one before: compare bytes before hashing.
        if lastModel > 0 && ByteKeyTable.equal(modelIndex.keys[lastModel - 1], name) { return lastModel }
        let hash = ByteHashing.hash(name)
        if let slot = modelIndex.find(name, hash: hash) {
            lastModel = slot + 1
            return slot + 1
        }
        guard modelIndex.count < Self.maximumModels else { return tables.count - 1 }
        let slot = modelIndex.insert(name, hash: hash)
        tables.append(TrackedKeys())
        scales.append(FeatureScale())
        totals.append([])
        return slot + 1
    }

    private mutating func countPopulation(
        _ record: ParsedRecord, model: Int, windowStart: Int64, line: UnsafeRawBufferPointer
    ) {
        var index = totals[model].count
        while index > 0 && totals[model][index - 1].start > windowStart { index -= 1 }
        if index == 0 || totals[model][index - 1].start != windowStart {
            totals[model].insert((windowStart, ModelWindowTotals()), at: index)
            footprint += 512
            index += 1
        }
        // In place: a copy out of the array would copy the coverage registers on every record.
        Self.count(record, into: &totals[model][index - 1].totals)
    }

    private static func count(_ record: ParsedRecord, into cell: inout ModelWindowTotals) {
        cell.calls += 1
        if record.score.isFinite {
            cell.scored += 1
            if abs(record.score - 0.5) <= 0.1 { cell.nearBoundary += 1 }
        }
        if record.asksLogprobs { cell.logprobCalls += 1 }
        if record.promptTokens > 0 { cell.promptTokens += Int(record.promptTokens) }
        if record.completionTokens > 0 { cell.completionTokens += Int(record.completionTokens) }
    }

    // MARK: clients

    private mutating func recordClient(
        _ record: ParsedRecord, key: UnsafeRawBufferPointer, hash: UInt64, model: Int, windowStart: Int64,
        line: UnsafeRawBufferPointer, address: UnsafeRawBufferPointer, addressHash: UInt64
    ) {
        let slot: Int
        if let found = tables[model].find(key, hash: hash) {
            slot = found
        } else {
            let roomy = Double(tables[model].count) < Self.freeAdmissionShare * Double(capacity)
            guard roomy || doorkeeper.admit(hash &+ UInt64(model) &* 0x9E37_79B9_7F4A_7C15) else {
                untrackedClientRecords += 1
                return
            }
            if tables[model].count >= capacity {
                let (dropped, freed) = tables[model].dropLessActiveHalf()
                untrackedClientRecords += dropped
                footprint -= freed
            }
            slot = tables[model].insert(key, hash: hash, ClientEntry())
            footprint += ClientEntry.fixedFootprint + key.count
        }
        let millis = record.timestampMillis
        var query: Query?
        var coverage = SIMD8<UInt64>()
        if model > 0, !record.features.isEmpty, let read = scales[model].query(for: record, line: line) {
            (query, coverage) = read
            // The population's coverage counts the same queries as the clients' (tracked ones,
            // up to the comparison cap), so the two compare like with like.
            if tables[model].entries[slot].wantsQuery(at: windowStart), let present = query?.present {
                let last = totals[model].count - 1
                if last >= 0, totals[model][last].start == windowStart {
                    for lane in 0..<8 where present & (UInt8(1) << UInt8(lane)) != 0 {
                        totals[model][last].totals.coverage.insert(hash: coverage[lane])
                    }
                }
            }
        }
        let inverseScale = query != nil ? scales[model].inverseSpread : SIMD8<Float>()
        let clockMask = scales[model].clockMask
        let continuousMask = scales[model].continuousMask
        let window = windowMillis
        footprint += tables[model].update(slot) { entry in
            entry.add(
                record, clientHash: hash, windowStart: windowStart, windowMillis: window, millis: millis,
                query: query, coverage: coverage, inverseScale: inverseScale, clockMask: clockMask,
                continuousMask: continuousMask, address: address, addressHash: addressHash)
        }
    }

    // MARK: addresses

    private mutating func recordAddress(
        _ record: ParsedRecord, key: UnsafeRawBufferPointer, hash: UInt64, clientHash: UInt64?, windowStart: Int64
    ) {
        let slot: Int
        if let found = addressTable.find(key, hash: hash) {
            slot = found
        } else {
            let roomy = Double(addressTable.count) < Self.freeAdmissionShare * Double(addressCapacity)
            guard roomy || doorkeeper.admit(~hash) else {
                untrackedAddressRecords += 1
                return
            }
            if addressTable.count >= addressCapacity {
                let (dropped, freed) = addressTable.dropLessActiveHalf()
                untrackedAddressRecords += dropped
                footprint -= freed
            }
            slot = addressTable.insert(key, hash: hash, AddressEntry())
            footprint += AddressEntry.fixedFootprint + key.count
        }
        footprint += addressTable.update(slot) { entry in
            entry.add(record, clientHash: clientHash, windowStart: windowStart)
        }
    }

    // MARK: bounds

    /// Moves every cell into the next longer window until the state fits the budget again.
    private mutating func coarsen() {
        while footprint > budget && windowMillis < 86_400_000 * 64 {
            windowMillis = AnalysisSummary.coarserWindow(after: windowMillis)
            var total = 0
            for index in tables.indices {
                total += tables[index].updateAll { $0.coarsen(to: windowMillis) }
            }
            total += addressTable.updateAll { $0.coarsen(to: windowMillis) }
            for index in totals.indices {
                var coarser: [(start: Int64, totals: ModelWindowTotals)] = []
                for (start, cell) in totals[index] {
                    let coarse = ChunkAggregator.floor(start, to: windowMillis)
                    if let last = coarser.last, last.start == coarse {
                        coarser[coarser.count - 1].totals.merge(cell)
                    } else {
                        coarser.append((coarse, cell))
                    }
                }
                totals[index] = coarser
                total += coarser.count * 512
            }
            footprint = total
        }
    }

    /// The worker's statistics with names resolved, ready to merge with the other workers'.
    func finish() -> AbuseState {
        var state = AbuseState()
        state.windowMillis = windowMillis
        var names = [""]
        for slot in 0..<modelIndex.count { names.append(String(decoding: modelIndex.keys[slot], as: UTF8.self)) }
        for (index, table) in tables.enumerated() {
            var named: [String: [Int64: ClientWindow]] = [:]
            for slot in 0..<table.count {
                let cells = table.entries[slot].cells
                named[table.name(slot)] = Dictionary(uniqueKeysWithValues: cells.map { ($0.windowStartMillis, $0) })
            }
            if !named.isEmpty { state.clients[names[index], default: [:]] = named }
            if index > 0, !totals[index].isEmpty {
                state.models[names[index]] = Dictionary(
                    uniqueKeysWithValues: totals[index].map { ($0.start, $0.totals) })
            }
        }
        for slot in 0..<addressTable.count {
            let cells = addressTable.entries[slot].cells
            state.addresses[addressTable.name(slot)] = Dictionary(
                uniqueKeysWithValues: cells.map { ($0.windowStartMillis, $0) })
        }
        state.distinctClients = distinctClients
        state.distinctAddresses = distinctAddresses
        state.untrackedClientRecords = untrackedClientRecords
        state.untrackedAddressRecords = untrackedAddressRecords
        return state
    }
}

@available(*, unavailable)
extension ClientActivityRecorder: Sendable {}

/// An entry of a tracked-key table: how active it was (for eviction) and its memory.
protocol TrackedEntry {
    var weight: Int { get }
    var footprint: Int { get }
    /// Re-buckets the entry's cells into windows of `length`; returns its new footprint.
    mutating func coarsen(to length: Int64) -> Int
}

/// Keys (byte strings) with their entries, looked up from a line's bytes without allocating.
struct TrackedKeys<Entry: TrackedEntry> {
    private var table = ByteKeyTable(expectedCount: 64)
    private(set) var entries: [Entry] = []

    var count: Int { entries.count }

    func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int? { table.find(key, hash: hash) }

    mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64, _ entry: Entry) -> Int {
        let slot = table.insert(key, hash: hash)
        entries.append(entry)
        return slot
    }

    func name(_ slot: Int) -> String { String(decoding: table.keys[slot], as: UTF8.self) }

    /// Runs `body` on one entry in place; returns the change of its footprint.
    @inline(__always)
    mutating func update(_ slot: Int, _ body: (inout Entry) -> Int) -> Int {
        body(&entries[slot])
    }

    /// Runs `body` on every entry; returns the sum of what it returns (new footprints).
    mutating func updateAll(_ body: (inout Entry) -> Int) -> Int {
        var total = 0
        for index in entries.indices { total += body(&entries[index]) + table.keys[index].count }
        return total
    }

    /// Keeps the more active half of the entries; returns the records and bytes dropped.
    mutating func dropLessActiveHalf() -> (records: Int, bytes: Int) {
        let order = entries.indices.sorted { entries[$0].weight > entries[$1].weight }
        let keep = order.prefix(max(1, entries.count / 2)).sorted()
        var dropped = 0
        var freed = 0
        for index in order.dropFirst(keep.count) {
            dropped += entries[index].weight
            freed += entries[index].footprint + table.keys[index].count
        }
        var rebuilt = ByteKeyTable(expectedCount: entries.count)
        var kept: [Entry] = []
        kept.reserveCapacity(keep.count)
        for index in keep {
            table.keys[index].withUnsafeBytes { key in
                _ = rebuilt.insert(key, hash: ByteHashing.hash(key))
            }
            kept.append(entries[index])
        }
        table = rebuilt
        entries = kept
        return (dropped, freed)
    }
}

/// A set of 2^23 bits answering "seen before?" for key hashes (two bits per key): a key is admitted
/// to a table on its second sighting. Cleared when a quarter of the bits are set, so it forgets
/// keys seen long ago and its false-positive rate stays below about 6%.
///
/// The bits are chosen from the key's hash re-mixed with the per-process placement seed: keys
/// are attacker-written, and with the public stable hash alone anyone could pick keys that share
/// their bits with others (so that a new key passes as already seen and takes a tracked place on
/// its first sighting, or many keys wear one pair of bits). Decisions stay fixed within a run.
struct Doorkeeper {
    private var words = [UInt64](repeating: 0, count: 1 << 17)
    private var setBits = 0
    private static let mask = UInt64((1 << 23) - 1)

    /// True when the key was (probably) seen before; marks it seen either way.
    @inline(__always)
    mutating func admit(_ stableHash: UInt64) -> Bool {
        let hash = ByteHashing.seeded(stableHash)
        let first = Int(hash & Self.mask)
        let second = Int((hash >> 32) & Self.mask)
        let firstBit = UInt64(1) << UInt64(first & 63)
        let secondBit = UInt64(1) << UInt64(second & 63)
        let seen = words[first >> 6] & firstBit != 0 && words[second >> 6] & secondBit != 0
        if !seen {
            if words[first >> 6] & firstBit == 0 { setBits += 1 }
            words[first >> 6] |= firstBit
            if words[second >> 6] & secondBit == 0 { setBits += 1 }
            words[second >> 6] |= secondBit
            if setBits > (1 << 21) {
                for index in words.indices { words[index] = 0 }
                setBits = 0
            }
        }
        return seen
    }
}

/// One tabular query as the extraction statistics see it: up to eight numeric features (numbers
/// and booleans, by name, in the model's `FeatureScale` order) and a hash of the categorical ones.
struct Query {
    var values = SIMD8<Float>()
    var present: UInt8 = 0
    var categories: UInt64 = 0
    var classHash: UInt64 = 0
}

/// The numeric features of one model as this worker met them: the name of each of up to eight
/// dimensions and a running mean and variance (Welford 1962) per dimension, whose spread scales
/// PRADA's distances so that no feature dominates by its unit.
struct FeatureScale {
    private var names: [UInt64] = []
    private var counts = SIMD8<Float>()
    private var means = SIMD8<Float>()
    private var squares = SIMD8<Float>()
    static let dimensions = 8

    /// 1 / standard deviation per dimension (1 where unknown or zero), recomputed every 64
    /// queries: the spread of thousands of queries hardly moves between two refreshes.
    private(set) var inverseSpread = SIMD8<Float>(repeating: 1)
    private var sinceRefresh = 0
    /// Per dimension and minute of the day (UTC), the least and greatest value and the number
    /// of values seen, for `clockMask` (115 KB per tabular model and worker); a sketch of each
    /// dimension's distinct values, for `continuousMask`.
    private var slotMinimum = [Float](repeating: .infinity, count: 8 * slotsPerDay)
    private var slotMaximum = [Float](repeating: -.infinity, count: 8 * slotsPerDay)
    private var slotCount = [UInt16](repeating: 0, count: 8 * slotsPerDay)
    private var distinctValues = [SmallDistinctCount](repeating: SmallDistinctCount(), count: 8)
    /// Dimensions whose value follows the clock (a time-of-day feature, in any time zone or
    /// unit): set aside by the variant signatures, since a copy of an old query sent now
    /// carries the new time.
    private(set) var clockMask: UInt8 = 0
    /// Dimensions with many distinct values (amounts, balances): a query that equals another in
    /// one of them is seldom equal by chance, unlike in a count or a flag.
    private(set) var continuousMask: UInt8 = 0
    static let slotsPerDay = 1440
    /// A dimension follows the clock when, in the minutes of the day with at least
    /// `clockSlotMinimum` values, the median spread (greatest minus least) is at most this share
    /// of its overall standard deviation: an hour-of-day feature spreads 1/60 in a minute
    /// against a deviation of 0.1 after 20 minutes of data and near 7 over a day (share 0.17 to
    /// 0.002); a natural feature spreads over much of its range in every minute (four values
    /// of a normal one spread about two deviations: share near 2).
    static let clockSlotSpreadShare: Float = 0.25
    static let clockSlotMinimum: UInt16 = 4
    static let clockMinimumQueries: Float = 256
    /// A dimension is continuous from this many distinct values (the 64-register sketch is
    /// within a few at this size).
    static let continuousDistinct = 64.0

    private mutating func refreshMasks() {
        var clock: UInt8 = 0
        var continuous: UInt8 = 0
        for index in 0..<names.count {
            if counts[index] >= Self.clockMinimumQueries && squares[index] > 0 {
                let deviation = (squares[index] / (counts[index] - 1)).squareRoot()
                var spreads: [Float] = []
                for slot in 0..<Self.slotsPerDay
                where slotCount[index * Self.slotsPerDay + slot] >= Self.clockSlotMinimum {
                    spreads.append(
                        slotMaximum[index * Self.slotsPerDay + slot] - slotMinimum[index * Self.slotsPerDay + slot])
                }
                // The upper median (`sorted()[count / 2]`), selected rather than sorted.
                if !spreads.isEmpty
                    && RobustStatistics.element(ofRank: spreads.count / 2, in: &spreads)
                        <= Self.clockSlotSpreadShare * deviation
                {
                    clock |= UInt8(1) << UInt8(index)
                }
            }
            if distinctValues[index].estimate >= Self.continuousDistinct { continuous |= UInt8(1) << UInt8(index) }
        }
        clockMask = clock
        continuousMask = continuous
    }

    private func computeInverseSpread() -> SIMD8<Float> {
        var result = SIMD8<Float>(repeating: 1)
        for index in 0..<names.count where counts[index] > 1 {
            let variance = squares[index] / (counts[index] - 1)
            if variance > 0 { result[index] = 1 / variance.squareRoot() }
        }
        return result
    }

    /// Reads the record's features into a query, updating the running spread.
    mutating func query(for record: ParsedRecord, line: UnsafeRawBufferPointer) -> (Query, SIMD8<UInt64>)? {
        var query = Query()
        var coverage = SIMD8<UInt64>()
        var numeric = false
        for feature in record.features {
            let name = ByteHashing.hash(feature.name.bytes(in: line))
            let number: Double
            switch feature.value {
            case .number(let value): number = value
            case .bool(let flag): number = flag ? 1 : 0
            case .string(let span):
                query.categories ^= ByteHashing.mix(name &+ ByteHashing.hash(span.bytes(in: line)))
                continue
            case .null:
                query.categories ^= ByteHashing.mix(name &+ 1)
                continue
            }
            guard number.isFinite, let dimension = dimension(of: name) else { continue }
            numeric = true
            coverage[dimension] = Self.coverageHash(name: name, value: number)
            let value = Float(number)
            query.values[dimension] = value
            query.present |= UInt8(1) << UInt8(dimension)
            counts[dimension] += 1
            let delta = value - means[dimension]
            means[dimension] += delta / counts[dimension]
            squares[dimension] += delta * (value - means[dimension])
            let slotMillis: Int64 = 86_400_000 / Int64(Self.slotsPerDay)
            let dayMillis = ((record.timestampMillis % 86_400_000) + 86_400_000) % 86_400_000
            let slot = dimension * Self.slotsPerDay + Int(dayMillis / slotMillis)
            slotMinimum[slot] = min(slotMinimum[slot], value)
            slotMaximum[slot] = max(slotMaximum[slot], value)
            if slotCount[slot] < .max { slotCount[slot] += 1 }
            distinctValues[dimension].insert(hash: ByteHashing.mix(UInt64(value.bitPattern) &+ name))
        }
        guard numeric else { return nil }
        sinceRefresh += 1
        if sinceRefresh >= 64 || counts[0] < 64 {
            inverseSpread = computeInverseSpread()
            refreshMasks()
            sinceRefresh = 0
        }
        if !record.prediction.isAbsent {
            query.classHash = ByteHashing.hash(record.prediction.bytes(in: line))
        } else if record.predictionNumber.isFinite {
            query.classHash = ByteHashing.mix(record.predictionNumber.bitPattern)
        }
        return (query, coverage)
    }

    private mutating func dimension(of name: UInt64) -> Int? {
        if let index = names.firstIndex(of: name) { return index }
        guard names.count < Self.dimensions else { return nil }
        names.append(name)
        return names.count - 1
    }

    /// A (feature, bin) pair with bins a quarter of a power of two wide on |x|, signed: scale-free,
    /// so the same bins serve amounts, counts and ratios.
    static func coverageHash(name: UInt64, value: Double) -> UInt64 {
        guard value.isFinite else { return ByteHashing.mix(name) }
        let magnitude = Int((4 * log2(1 + abs(value))).rounded(.down))
        return ByteHashing.mix(name &+ UInt64(bitPattern: Int64(value < 0 ? -magnitude - 1 : magnitude)))
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A client's most recent tabular queries, `depth` per predicted class for up to four classes.
struct QueryHistory {
    static let depth = 16
    static let classes = 4
    private var classHashes: [UInt64] = []
    private var rings: [[Query]] = []
    private var next: [Int] = []

    static let footprint = classes * depth * MemoryLayout<Query>.stride + 128

    private mutating func ring(for classHash: UInt64) -> Int {
        if let index = classHashes.firstIndex(of: classHash) { return index }
        if classHashes.count < Self.classes {
            classHashes.append(classHash)
            rings.append([])
            next.append(0)
            return classHashes.count - 1
        }
        return Self.classes - 1
    }

    /// Compares `query` with the stored ones of its predicted class, then stores it. Returns the
    /// PRADA distance (to the nearest of them, scaled), and whether it duplicates or perturbs
    /// (differs in exactly one feature from) one of them; nil distance when there was nothing of
    /// its class to compare with. (A sweep that crosses the decision boundary still has, on each
    /// side, earlier queries one feature away.)
    mutating func compare(_ query: Query, inverseScale: SIMD8<Float>) -> (
        distance: Float?, compared: Bool, duplicate: Bool, perturbation: Bool
    ) {
        let own = ring(for: query.classHash)
        var nearest = Float.infinity
        var compared = false
        var duplicate = false
        var perturbation = false
        for stored in rings[own] {
            compared = true
            let scaled = (query.values - stored.values) * inverseScale
            nearest = min(nearest, (scaled * scaled).sum().squareRoot())
            var changed = Int(SIMD8<Int32>().replacing(with: 1, where: query.values .!= stored.values).wrappedSum())
            if query.present != stored.present { changed += 1 }
            if query.categories != stored.categories { changed += 1 }
            if changed == 0 { duplicate = true }
            if changed == 1 { perturbation = true }
        }
        if rings[own].count < Self.depth {
            rings[own].append(query)
        } else {
            rings[own][next[own]] = query
            next[own] = (next[own] + 1) % Self.depth
        }
        return (nearest.isFinite ? nearest : nil, compared, duplicate, perturbation)
    }
}

/// A client's earlier tabular queries as signatures: for each query, a fingerprint of all its
/// features and one of "all features but feature i" for each dimension i, so a later query that
/// copies any earlier one, or copies it with one feature changed, is found in O(features)
/// however far back the original is (the recency `QueryHistory` sees only the last 16 per
/// class). Not cleared by window: a sweep branches from its whole history.
///
/// Dimensions that follow the clock (`FeatureScale.clockMask`) are left out of every signature;
/// a one-feature signature counts only when a continuous dimension (`continuousMask`) stays in
/// it, since equal counts and flags are common among natural queries.
///
/// Bounded: two generations of at most `generationSize` 32-bit fingerprints each; when the
/// current one is full it becomes the previous one and the oldest is forgotten, so the last
/// 9,000 to 18,000 queries of a six-feature client are always remembered (a chance match has a
/// probability below 2^18 / 2^32 per lookup).
struct QueryVariantSet {
    static let generationSize = 1 << 16
    /// Bytes per stored fingerprint in a Swift `Set<UInt32>` (the element and its share of the
    /// hash table at its maximum load of 3/4, rounded up).
    static let bytesPerFingerprint = 8
    private var current: Set<UInt32> = []
    private var previous: Set<UInt32> = []

    var footprint: Int { (current.count + previous.count) * Self.bytesPerFingerprint }

    private func contains(_ fingerprint: UInt32) -> Bool {
        current.contains(fingerprint) || previous.contains(fingerprint)
    }

    /// Forgets the older generation (when memory is short).
    mutating func forgetOlder() { previous = [] }

    /// Checks `query` against the client's earlier queries, then stores its signatures.
    mutating func check(_ query: Query, clockMask: UInt8, continuousMask: UInt8) -> (copy: Bool, variant: Bool) {
        let kept = query.present & ~clockMask
        var laneHashes = SIMD8<UInt64>()
        var all: UInt64 = 0
        for lane in 0..<8 where kept & (UInt8(1) << UInt8(lane)) != 0 {
            laneHashes[lane] = ByteHashing.mix(UInt64(lane + 1) << 32 | UInt64(query.values[lane].bitPattern))
            all ^= laneHashes[lane]
        }
        let base = ByteHashing.mix(query.categories ^ UInt64(kept))
        let whole = UInt32(truncatingIfNeeded: ByteHashing.mix(base ^ all))
        let copy = contains(whole)
        var variant = false
        var signatures: [UInt32] = [whole]
        let continuous = kept & continuousMask
        for lane in 0..<8 where kept & (UInt8(1) << UInt8(lane)) != 0 {
            // The features held equal must include a continuous one.
            guard continuous & ~(UInt8(1) << UInt8(lane)) != 0 else { continue }
            let salt = ByteHashing.mix(UInt64(lane + 1) &* 0x9E37_79B9_7F4A_7C15)
            let signature = UInt32(truncatingIfNeeded: ByteHashing.mix(base ^ all ^ laneHashes[lane] ^ salt))
            if !copy && contains(signature) { variant = true }
            signatures.append(signature)
        }
        if current.count + signatures.count > Self.generationSize {
            previous = current
            current = []
        }
        for signature in signatures { current.insert(signature) }
        return (copy, variant)
    }
}

/// A tracked client on one model (or on the gateway): its windows and the worker-local state the
/// order-dependent statistics need.
struct ClientEntry: TrackedEntry {
    var weight = 0
    var cells: [ClientWindow] = []
    private var cellBytes = 0
    private var lastMillis: Int64 = .min
    private var throttledWindow: Int64 = .min
    private var lastAddressHash: UInt64 = 0
    private var lastAddressWindow: Int64 = .min
    private var history: QueryHistory?
    private var variants: QueryVariantSet?

    static let fixedFootprint = 160
    static let maximumComparisons = 300

    var footprint: Int {
        Self.fixedFootprint + cellBytes + (history == nil ? 0 : QueryHistory.footprint) + (variants?.footprint ?? 0)
    }

    /// False once the window's comparisons reached the cap: the query need not even be read.
    func wantsQuery(at windowStart: Int64) -> Bool {
        // Index, not `cells.last`: that would copy the whole cell (its samples retained and released).
        let last = cells.count - 1
        guard last >= 0, cells[last].windowStartMillis == windowStart else { return true }
        return cells[last].compared < Self.maximumComparisons
    }

    /// Index of the cell for `windowStart`, created when missing (cells stay in window order).
    private mutating func cell(_ windowStart: Int64) -> (index: Int, grown: Int) {
        var index = cells.count
        while index > 0 && cells[index - 1].windowStartMillis > windowStart { index -= 1 }
        if index > 0 && cells[index - 1].windowStartMillis == windowStart { return (index - 1, 0) }
        cells.insert(ClientWindow(windowStartMillis: windowStart), at: index)
        return (index, ClientWindow.fixedFootprint)
    }

    /// Adds one record; returns how many bytes the entry grew by.
    mutating func add(
        _ record: ParsedRecord, clientHash: UInt64, windowStart: Int64, windowMillis: Int64, millis: Int64,
        query: Query?, coverage: SIMD8<UInt64>, inverseScale: SIMD8<Float>, clockMask: UInt8 = 0,
        continuousMask: UInt8 = 0, address: UnsafeRawBufferPointer, addressHash: UInt64
    ) -> Int {
        weight += 1
        var (index, grown) = cell(windowStart)
        var historyGrowth = 0
        let before = cells[index].distances.footprint
        if lastMillis != .min && millis >= lastMillis && millis - lastMillis <= windowMillis {
            cells[index].gaps.add(Double(millis - lastMillis) / 1000)
        }
        lastMillis = max(lastMillis, millis)
        cells[index].calls += 1
        cells[index].firstMillis = min(cells[index].firstMillis, millis)
        cells[index].lastMillis = max(cells[index].lastMillis, millis)
        switch record.status {
        case 401, 403: cells[index].authFailures += 1
        case 429:
            cells[index].throttled += 1
        default: break
        }
        if throttledWindow == windowStart {
            cells[index].callsAfterThrottle += 1
        } else if record.status == 429 {
            throttledWindow = windowStart
        }
        if record.promptTokens > 0 {
            cells[index].promptTokens += Int(record.promptTokens)
            cells[index].promptLengths.insert(hash: ByteHashing.mix(UInt64(record.promptTokens)))
        }
        if record.completionTokens > 0 { cells[index].completionTokens += Int(record.completionTokens) }
        if record.asksLogprobs { cells[index].logprobCalls += 1 }
        if record.score.isFinite {
            cells[index].scored += 1
            if abs(record.score - 0.5) <= 0.1 { cells[index].nearBoundary += 1 }
        }
        // The same address as the client's previous call in this window adds nothing new.
        if addressHash != 0 && (addressHash != lastAddressHash || lastAddressWindow != windowStart) {
            cells[index].addresses.insert(hash: addressHash)
            cells[index].networks.insert(hash: Self.networkHash(address))
            lastAddressHash = addressHash
            lastAddressWindow = windowStart
        }
        if let query {
            // Every query of the window, past the comparison cap too: the signatures cost
            // O(features) and their memory counts in the entry's footprint.
            if variants == nil { variants = QueryVariantSet() }
            let before = variants!.footprint
            let outcome = variants!.check(query, clockMask: clockMask, continuousMask: continuousMask)
            cells[index].variantChecked += 1
            if outcome.copy { cells[index].historyCopies += 1 }
            if outcome.variant { cells[index].historyVariants += 1 }
            historyGrowth += variants!.footprint - before
        }
        if let query, cells[index].compared < Self.maximumComparisons {
            for lane in 0..<8 where query.present & (UInt8(1) << UInt8(lane)) != 0 {
                cells[index].coverage.insert(hash: coverage[lane])
            }
            // Comparisons per window and worker are capped (and past the cap the query is not read,
            // so coverage counts the same queries): past a few hundred queries the shares and
            // PRADA's sample are settled, and a batch job's hundred thousand would only cost time.
            if history == nil && weight >= 4 {
                history = QueryHistory()
                historyGrowth = QueryHistory.footprint
            }
            if history != nil && cells[index].compared < Self.maximumComparisons {
                let outcome = history!.compare(query, inverseScale: inverseScale)
                if outcome.compared { cells[index].compared += 1 }
                if outcome.duplicate { cells[index].duplicates += 1 }
                if outcome.perturbation { cells[index].perturbations += 1 }
                if let distance = outcome.distance {
                    let sampleHash = ByteHashing.mix(
                        clientHash ^ UInt64(bitPattern: millis) ^ UInt64(distance.bitPattern))
                    cells[index].distances.add(distance, hash: UInt32(truncatingIfNeeded: sampleHash))
                }
            }
        }
        grown += cells[index].distances.footprint - before
        cellBytes += grown
        return grown + historyGrowth
    }

    /// The /24 of an IPv4 address (up to the third dot) or the /48 of an IPv6 one (three groups).
    static func networkHash(_ address: UnsafeRawBufferPointer) -> UInt64 {
        var separators = 0
        let isIPv6 = address.contains(UInt8(ascii: ":"))
        let separator = isIPv6 ? UInt8(ascii: ":") : UInt8(ascii: ".")
        for index in 0..<address.count where address[index] == separator {
            separators += 1
            if separators == 3 { return ByteHashing.hash(UnsafeRawBufferPointer(rebasing: address[0..<index])) }
        }
        return ByteHashing.hash(address)
    }

    mutating func coarsen(to length: Int64) -> Int {
        cells = coarsened(cells, to: length)
        cellBytes = cells.reduce(0) { $0 + $1.footprint }
        // Memory is short: the variant signatures keep only their newer generation.
        variants?.forgetOlder()
        return footprint
    }
}

/// A tracked calling address (access logs): its windows. A window gets a cell only once the
/// address is refused (401/403) in it; until then its attempts and keys wait in a pending count
/// that seeds the cell, so the many addresses that never fail cost no cells.
struct AddressEntry: TrackedEntry {
    var weight = 0
    var cells: [AddressWindow] = []
    private var cellBytes = 0
    private var pendingWindow: Int64 = .min
    private var pendingAttempts = 0
    private var pendingKeys = SmallDistinctCount()
    private var pendingFirstMillis: Int64 = .max

    static let fixedFootprint = 160

    var footprint: Int { Self.fixedFootprint + cellBytes }

    mutating func add(_ record: ParsedRecord, clientHash: UInt64?, windowStart: Int64) -> Int {
        weight += 1
        let millis = record.timestampMillis
        let failed = record.status == 401 || record.status == 403
        var index = cells.count
        while index > 0 && cells[index - 1].windowStartMillis > windowStart { index -= 1 }
        var grown = 0
        if index > 0 && cells[index - 1].windowStartMillis == windowStart {
            index -= 1
        } else if !failed {
            if pendingWindow != windowStart {
                pendingWindow = windowStart
                pendingAttempts = 0
                pendingKeys = SmallDistinctCount()
                pendingFirstMillis = .max
            }
            pendingAttempts += 1
            if let clientHash { pendingKeys.insert(hash: clientHash) }
            pendingFirstMillis = min(pendingFirstMillis, millis)
            return 0
        } else {
            var cell = AddressWindow(windowStartMillis: windowStart)
            if pendingWindow == windowStart {
                cell.attempts = pendingAttempts
                cell.keys = pendingKeys
                cell.firstMillis = pendingFirstMillis
                pendingWindow = .min
            }
            cells.insert(cell, at: index)
            grown += AddressWindow.fixedFootprint
        }
        cells[index].attempts += 1
        cells[index].firstMillis = min(cells[index].firstMillis, millis)
        cells[index].lastMillis = max(cells[index].lastMillis, millis)
        if let clientHash { cells[index].keys.insert(hash: clientHash) }
        if failed {
            cells[index].authFailures += 1
            if let clientHash { cells[index].failedKeys.insert(hash: clientHash) }
            let bucket = ChunkAggregator.floor(millis, to: 10_000) / 10_000
            if cells[index].failureBuckets[bucket] != nil {
                cells[index].failureBuckets[bucket]! += 1
            } else if cells[index].failureBuckets.count < AddressWindow.maximumBuckets {
                cells[index].failureBuckets[bucket] = 1
                grown += 24
            }
        }
        cellBytes += grown
        return grown
    }

    mutating func coarsen(to length: Int64) -> Int {
        cells = coarsened(cells, to: length)
        cellBytes = cells.reduce(0) { $0 + $1.footprint }
        return footprint
    }
}

/// A per-window cell of the abuse tables: client windows and address windows coarsen alike.
protocol WindowCell: Mergeable {
    var windowStartMillis: Int64 { get set }
    var footprint: Int { get }
}

extension ClientWindow: WindowCell {}
extension AddressWindow: WindowCell {}

/// `cells` (in window order) moved into windows of `length`, neighbours that now share a window merged.
func coarsened<Cell: WindowCell>(_ cells: [Cell], to length: Int64) -> [Cell] {
    var merged: [Cell] = []
    for cell in cells {
        let start = ChunkAggregator.floor(cell.windowStartMillis, to: length)
        if let last = merged.last, last.windowStartMillis == start {
            merged[merged.count - 1].merge(cell)
        } else {
            var moved = cell
            moved.windowStartMillis = start
            merged.append(moved)
        }
    }
    return merged
}

extension ClientActivityRecorder: FeatureRecorder {
    @inline(__always)
    mutating func record(_ record: ParsedRecord, in context: RecordContext) {
        self.record(record, line: context.line)
    }

    mutating func finish(into summary: inout AnalysisSummary, symbols: SymbolTable) {
        summary.abuse = finish()
        // The tables now live in the summary: free them.
        self = ClientActivityRecorder(capacity: capacity, addressCapacity: addressCapacity, budget: budget)
    }
}
