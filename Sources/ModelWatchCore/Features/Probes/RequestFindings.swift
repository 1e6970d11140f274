/// What one key (an address for probes, a principal for admin calls) did that matched a
/// signature: counts, time range and a few examples for the evidence.
public struct RequestFinding: Sendable, Equatable {
    public var hits = 0
    /// Matched requests answered 2xx or 3xx: the probe found something, or the admin call worked.
    public var successes = 0
    public var firstMillis: Int64 = .max
    public var lastMillis: Int64 = .min
    /// Up to `sampleLimit` distinct examples (paths, in first-seen order within a worker).
    public var samples: [String] = []
    /// Up to `sampleLimit` distinct tool names or principals seen with it.
    public var tags: [String] = []
    /// True when the key is an address because the request named no client.
    public var keyIsAddress = false
    static let sampleLimit = 5

    mutating func add(status: Int32, at millis: Int64, sample: String?, tag: String?) {
        hits += 1
        if (200..<400).contains(status) { successes += 1 }
        firstMillis = min(firstMillis, millis)
        lastMillis = max(lastMillis, millis)
        if let sample, samples.count < Self.sampleLimit, !samples.contains(sample) { samples.append(sample) }
        if let tag, tags.count < Self.sampleLimit, !tags.contains(tag) { tags.append(tag) }
    }

    mutating func merge(_ other: RequestFinding) {
        keyIsAddress = keyIsAddress || other.keyIsAddress
        hits += other.hits
        successes += other.successes
        firstMillis = min(firstMillis, other.firstMillis)
        lastMillis = max(lastMillis, other.lastMillis)
        // Keep the examples sorted so merged results do not depend on worker order.
        samples = Array(Set(samples + other.samples).sorted().prefix(Self.sampleLimit))
        tags = Array(Set(tags + other.tags).sorted().prefix(Self.sampleLimit))
    }
}

/// Signature matches per key, at most `capacity` keys; matches for further keys are only counted.
public struct RequestFindingTable: Sendable {
    public private(set) var findings: [String: RequestFinding] = [:]
    public private(set) var overflowHits = 0
    public let capacity: Int

    public init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    mutating func add(
        key: String, keyIsAddress: Bool = false, status: Int32, at millis: Int64, sample: String?, tag: String?
    ) {
        if findings[key] == nil && findings.count >= capacity {
            overflowHits += 1
            return
        }
        findings[key, default: RequestFinding()].add(status: status, at: millis, sample: sample, tag: tag)
        if keyIsAddress { findings[key]?.keyIsAddress = true }
    }

    public mutating func merge(_ other: RequestFindingTable) {
        for (key, finding) in other.findings {
            if var existing = findings[key] {
                existing.merge(finding)
                findings[key] = existing
            } else if findings.count < capacity {
                var copy = RequestFinding()
                copy.merge(finding)
                findings[key] = copy
            } else {
                overflowHits += finding.hits
            }
        }
        overflowHits += other.overflowHits
    }
}

extension RequestFinding: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(hits)
        writer.write(successes)
        writer.write(firstMillis)
        writer.write(lastMillis)
        writer.write(samples)
        writer.write(tags)
        writer.write(keyIsAddress)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        hits = try reader.readCount()
        successes = try reader.readCount()
        firstMillis = try reader.readMillis()
        lastMillis = try reader.readMillis()
        samples = try reader.readArray()
        tags = try reader.readArray()
        keyIsAddress = try reader.readBool()
    }
}

extension RequestFindingTable: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(capacity)
        writer.write(findings)
        writer.write(overflowHits)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(capacity: try reader.readCount())
        findings = try reader.readDictionary()
        overflowHits = try reader.readCount()
    }
}
