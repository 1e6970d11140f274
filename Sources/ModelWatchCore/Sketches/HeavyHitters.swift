/// What the pipeline counts for one client or address.
public struct PrincipalActivity: Sendable, Equatable {
    public var requests: Int = 0
    public var clientErrors: Int = 0
    public var serverErrors: Int = 0
    /// 401 and 403 answers: failed authentication or authorisation.
    public var authFailures: Int = 0
    /// 429 answers: throttled.
    public var throttled: Int = 0
    public var tokens: Int = 0
    public var firstMillis: Int64 = .max
    public var lastMillis: Int64 = .min

    public init() {}

    @inline(__always)
    mutating func count(status: Int32, tokens addedTokens: Int, at millis: Int64) {
        requests += 1
        switch status {
        case 401, 403:
            authFailures += 1
            clientErrors += 1
        case 429:
            throttled += 1
            clientErrors += 1
        case 400..<500: clientErrors += 1
        case 500..<600: serverErrors += 1
        default: break
        }
        tokens += addedTokens
        if millis < firstMillis { firstMillis = millis }
        if millis > lastMillis { lastMillis = millis }
    }

    mutating func merge(_ other: PrincipalActivity) {
        requests += other.requests
        clientErrors += other.clientErrors
        serverErrors += other.serverErrors
        authFailures += other.authFailures
        throttled += other.throttled
        tokens += other.tokens
        firstMillis = min(firstMillis, other.firstMillis)
        lastMillis = max(lastMillis, other.lastMillis)
    }
}

/// The busiest keys (clients or addresses) of a stream, in bounded memory: SpaceSaving
/// (Metwally, Agrawal, El Abbadi 2005) keeps `capacity` counters; a new key evicts the smallest
/// and inherits its count as its possible overestimate, so every key seen more than N/capacity
/// times is kept, and counts are exact for keys that were never evicted. Everything else is
/// summed in `tail`, and `distinct` estimates how many keys there were.
///
/// Merging follows Agarwal et al., "Mergeable Summaries" (PODS 2012): counts add, a key missing
/// from a full side gets that side's minimum as possible error, and the top `capacity` remain;
/// ties break on the key bytes, so the merge is commutative.
/// - Complexity: O(key length + log capacity) per key.
public struct HeavyHitters: Sendable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        /// Counted occurrences, possibly over by at most `overestimate`.
        public var count: Int
        public var overestimate: Int
        public var activity: PrincipalActivity
    }

    public let capacity: Int
    private var table: ByteKeyTable
    private var counts: [Int] = []
    private var overestimates: [Int] = []
    private var activities: [PrincipalActivity] = []
    /// Min-heap of slots ordered by count, and each slot's position in it.
    private var heap: [Int32] = []
    private var heapPosition: [Int32] = []
    /// Activity of occurrences whose key was evicted or never admitted.
    public private(set) var tail = PrincipalActivity()
    public private(set) var distinct: HyperLogLog
    public private(set) var total = 0

    /// - Parameters:
    ///   - capacity: counters kept; keys seen more than total/capacity times are never lost.
    ///   - distinctPrecision: HyperLogLog precision (2^p bytes; standard error 1.04/√2^p).
    public init(capacity: Int = 2048, distinctPrecision: Int = 12) {
        self.capacity = max(1, capacity)
        distinct = HyperLogLog(precision: distinctPrecision)
        table = ByteKeyTable(expectedCount: self.capacity)
    }

    public mutating func add(_ key: UnsafeRawBufferPointer, status: Int32, tokens: Int, at millis: Int64) {
        add(key, hash: ByteHashing.hash(key), status: status, tokens: tokens, at: millis)
    }

    /// Adds a key whose `ByteHashing.hash` the caller already has (one hash serves several tables).
    @inline(__always)
    public mutating func add(_ key: UnsafeRawBufferPointer, hash: UInt64, status: Int32, tokens: Int, at millis: Int64)
    {
        distinct.insert(hash: hash)
        total += 1
        if let slot = table.find(key, hash: hash) {
            counts[slot] += 1
            activities[slot].count(status: status, tokens: tokens, at: millis)
            siftDown(Int(heapPosition[slot]))
            return
        }
        if table.count < capacity {
            let slot = table.insert(key, hash: hash)
            counts.append(1)
            overestimates.append(0)
            var activity = PrincipalActivity()
            activity.count(status: status, tokens: tokens, at: millis)
            activities.append(activity)
            heap.append(Int32(slot))
            heapPosition.append(Int32(heap.count - 1))
            siftUp(heap.count - 1)
            return
        }
        // Evict the smallest counter; its occurrences move to the tail.
        let slot = Int(heap[0])
        tail.merge(activities[slot])
        table.replaceKey(slot: slot, with: key, hash: hash)
        overestimates[slot] = counts[slot]
        counts[slot] += 1
        var activity = PrincipalActivity()
        activity.count(status: status, tokens: tokens, at: millis)
        activities[slot] = activity
        siftDown(0)
    }

    /// The kept entries, largest count first (ties by key).
    public var entries: [Entry] {
        var result: [Entry] = []
        result.reserveCapacity(table.count)
        for slot in 0..<table.count {
            result.append(
                Entry(
                    key: String(decoding: table.keys[slot], as: UTF8.self), count: counts[slot],
                    overestimate: overestimates[slot], activity: activities[slot]))
        }
        result.sort { $0.count != $1.count ? $0.count > $1.count : $0.key < $1.key }
        return result
    }

    public func top(_ limit: Int) -> [Entry] { Array(entries.prefix(limit)) }

    public mutating func merge(_ other: HeavyHitters) {
        let mine = entries
        let theirs = other.entries
        let myMinimum = table.count >= capacity ? (counts.min() ?? 0) : 0
        let theirMinimum = other.table.count >= other.capacity ? (other.counts.min() ?? 0) : 0
        var combined: [String: Entry] = [:]
        for entry in mine {
            var copy = entry
            copy.count += theirMinimum
            copy.overestimate += theirMinimum
            combined[entry.key] = copy
        }
        for entry in theirs {
            if var existing = combined[entry.key] {
                existing.count += entry.count - theirMinimum
                existing.overestimate += entry.overestimate - theirMinimum
                existing.activity.merge(entry.activity)
                combined[entry.key] = existing
            } else {
                var copy = entry
                copy.count += myMinimum
                copy.overestimate += myMinimum
                combined[entry.key] = copy
            }
        }
        var ranked = Array(combined.values)
        ranked.sort { $0.count != $1.count ? $0.count > $1.count : $0.key < $1.key }
        var mergedTail = tail
        mergedTail.merge(other.tail)
        for dropped in ranked.dropFirst(capacity) { mergedTail.merge(dropped.activity) }
        var mergedDistinct = distinct
        mergedDistinct.merge(other.distinct)
        let mergedTotal = total + other.total
        self = HeavyHitters(capacity: capacity, distinctPrecision: distinct.precision)
        for entry in ranked.prefix(capacity) {
            var key = entry.key
            key.withUTF8 { utf8 in
                let slot = table.insert(
                    UnsafeRawBufferPointer(utf8), hash: ByteHashing.hash(UnsafeRawBufferPointer(utf8)))
                precondition(slot == counts.count)
            }
            counts.append(entry.count)
            overestimates.append(entry.overestimate)
            activities.append(entry.activity)
            heap.append(Int32(heap.count))
            heapPosition.append(Int32(heap.count - 1))
            siftUp(heap.count - 1)
        }
        tail = mergedTail
        distinct = mergedDistinct
        total = mergedTotal
    }

    private mutating func swapHeap(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        heapPosition[Int(heap[a])] = Int32(a)
        heapPosition[Int(heap[b])] = Int32(b)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard counts[Int(heap[child])] < counts[Int(heap[parent])] else { return }
            swapHeap(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = left
            let right = left + 1
            if right < heap.count && counts[Int(heap[right])] < counts[Int(heap[left])] { smallest = right }
            guard counts[Int(heap[smallest])] < counts[Int(heap[parent])] else { return }
            swapHeap(parent, smallest)
            parent = smallest
        }
    }
}

extension PrincipalActivity: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(requests)
        writer.write(clientErrors)
        writer.write(serverErrors)
        writer.write(authFailures)
        writer.write(throttled)
        writer.write(tokens)
        writer.write(firstMillis)
        writer.write(lastMillis)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        requests = try reader.readCount()
        clientErrors = try reader.readCount()
        serverErrors = try reader.readCount()
        authFailures = try reader.readCount()
        throttled = try reader.readCount()
        tokens = try reader.readInt()
        firstMillis = try reader.readMillis()
        lastMillis = try reader.readMillis()
    }
}

extension HeavyHitters: StateCodable {
    /// The largest capacity a state may ask for: a damaged number must not allocate gigabytes.
    static let storableCapacity = 1 << 22
    /// The HyperLogLog precision every table of principals uses (`PrincipalTables.init`).
    static let storedDistinctPrecision = 12

    public func encode(to writer: inout StateWriter) {
        writer.write(capacity)
        writer.write(table.count)
        for slot in 0..<table.count {
            writer.write(table.keys[slot].count)
            writer.writeRaw(table.keys[slot])
            writer.write(counts[slot])
            writer.write(overestimates[slot])
            writer.write(activities[slot])
        }
        writer.write(tail)
        writer.write(distinct)
        writer.write(total)
    }

    /// Rebuilds the table by inserting the entries, as `merge` does.
    public init(from reader: inout StateReader) throws(StateFileError) {
        let capacity = try reader.readCount()
        try reader.check((1...Self.storableCapacity).contains(capacity), "a heavy-hitter capacity of \(capacity)")
        let entries = try reader.readLength(minimumElementBytes: 4)
        try reader.check(entries <= capacity, "\(entries) heavy hitters for a capacity of \(capacity)")
        self.init(capacity: capacity, distinctPrecision: Self.storedDistinctPrecision)
        for _ in 0..<entries {
            let key = try reader.readRaw(count: try reader.readLength())
            let hash = key.withUnsafeBytes { ByteHashing.hash($0) }
            let known = key.withUnsafeBytes { table.find($0, hash: hash) }
            try reader.check(known == nil, "a heavy-hitter key written twice")
            _ = key.withUnsafeBytes { table.insert($0, hash: hash) }
            counts.append(try reader.readCount())
            overestimates.append(try reader.readCount())
            activities.append(try reader.read())
            heap.append(Int32(heap.count))
            heapPosition.append(Int32(heap.count - 1))
            siftUp(heap.count - 1)
        }
        tail = try reader.read()
        distinct = try HyperLogLog(from: &reader, precision: Self.storedDistinctPrecision)
        total = try reader.readCount()
    }
}
