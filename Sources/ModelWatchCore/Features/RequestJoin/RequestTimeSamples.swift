/// The two timestamps of one request, as the inference log and the gateway's access log wrote
/// them, for clock comparison.
public struct RequestTimes: Sendable, Equatable {
    public var inferenceMillis: Int64?
    public var inferenceHost: String?
    public var accessMillis: Int64?
    /// How many records of each log family carried this id: more than one is a duplicate.
    public var inferenceCopies = 0
    public var accessCopies = 0
    /// The source (input index) of the access-log record, for naming duplicates.
    public var accessSource: Int?

    /// Folds in another record or worker's view of the same id; the earliest stamps are kept,
    /// so the result does not depend on the order.
    mutating func merge(_ other: RequestTimes) {
        if let theirs = other.inferenceMillis, inferenceMillis.map({ theirs < $0 }) ?? true {
            inferenceMillis = theirs
            inferenceHost = other.inferenceHost ?? inferenceHost
        }
        if let theirs = other.accessMillis, accessMillis.map({ theirs < $0 }) ?? true {
            accessMillis = theirs
            accessSource = other.accessSource ?? accessSource
        }
        inferenceCopies += other.inferenceCopies
        accessCopies += other.accessCopies
    }
}

/// A deterministic sample of requests, joined across the two log families by request id; it
/// also finds ids written more than once (a replayed or doubly shipped log).
///
/// A request is kept when the hash of its id is a multiple of `sampleRate`, so both logs keep
/// the same requests without coordination, whichever worker reads them. The rate starts at 1
/// (every request) and doubles, dropping the ids it no longer keeps, whenever more than
/// `capacity` are held: memory is bounded, and the final sample (ids whose hash is a multiple of
/// the smallest rate at which the merged sample fits) does not depend on how work was split.
public struct RequestTimeSamples: Sendable {
    public private(set) var requests: [UInt64: RequestTimes] = [:]
    public private(set) var sampleRate: UInt64 = 1
    public let capacity: Int

    public init(capacity: Int = 16_384) {
        self.capacity = capacity
    }

    @inline(__always)
    func keeps(_ hash: UInt64) -> Bool { hash & (sampleRate &- 1) == 0 }

    private mutating func thin() {
        while requests.count > capacity {
            sampleRate <<= 1
            requests = requests.filter { keeps($0.key) }
        }
    }

    mutating func record(hash: UInt64, kind: LogKind, millis: Int64, source: Int, host: () -> String?) {
        guard keeps(hash) else { return }
        defer { if requests.count > capacity { thin() } }
        var seen = RequestTimes()
        if kind == .inference {
            seen.inferenceMillis = millis
            seen.inferenceHost = host()
            seen.inferenceCopies = 1
        } else {
            seen.accessMillis = millis
            seen.accessSource = source
            seen.accessCopies = 1
        }
        requests[hash, default: RequestTimes()].merge(seen)
    }

    public mutating func merge(_ other: RequestTimeSamples) {
        sampleRate = max(sampleRate, other.sampleRate)
        requests = requests.filter { keeps($0.key) }
        for (hash, times) in other.requests where keeps(hash) {
            if var existing = requests[hash] {
                existing.merge(times)
                requests[hash] = existing
            } else {
                requests[hash] = times
            }
        }
        thin()
    }
}

extension RequestTimes: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(inferenceMillis)
        writer.write(inferenceHost)
        writer.write(accessMillis)
        writer.write(inferenceCopies)
        writer.write(accessCopies)
        writer.write(accessSource)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        inferenceMillis = try reader.read()
        inferenceHost = try reader.read()
        accessMillis = try reader.read()
        inferenceCopies = try reader.readCount()
        accessCopies = try reader.readCount()
        accessSource = try reader.read()
        try reader.check((accessSource ?? 0) >= 0, "a negative source index")
    }
}

extension RequestTimeSamples: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(capacity)
        writer.writeFixed(sampleRate)
        writer.write(requests)
    }

    /// The rate must be a power of two (`keeps` masks with rate − 1).
    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(capacity: try reader.readCount())
        sampleRate = try reader.readFixedUInt64()
        try reader.check(sampleRate > 0 && sampleRate & (sampleRate - 1) == 0, "a sample rate of \(sampleRate)")
        requests = try reader.readDictionary()
    }

    /// The same samples with each access-log source index replaced by `remap[index]`.
    func remappingSources(_ remap: [Int]) -> RequestTimeSamples {
        var copy = self
        copy.requests = requests.mapValues { times in
            var moved = times
            moved.accessSource = times.accessSource.map { remap[$0] }
            return moved
        }
        return copy
    }
}
