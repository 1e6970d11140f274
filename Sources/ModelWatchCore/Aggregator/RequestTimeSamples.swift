/// The two timestamps of one request, as the inference log and the gateway's access log wrote
/// them, for clock comparison.
public struct RequestTimes: Sendable, Equatable {
    public var inferenceMillis: Int64?
    public var inferenceHost: String?
    public var accessMillis: Int64?

    mutating func merge(_ other: RequestTimes) {
        inferenceMillis = inferenceMillis ?? other.inferenceMillis
        inferenceHost = inferenceHost ?? other.inferenceHost
        accessMillis = accessMillis ?? other.accessMillis
    }
}

/// A deterministic sample of requests, joined across the two log families by request id.
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

    mutating func record(hash: UInt64, kind: LogKind, millis: Int64, host: () -> String?) {
        guard keeps(hash) else { return }
        defer { if requests.count > capacity { thin() } }
        if kind == .inference {
            requests[hash, default: RequestTimes()].inferenceMillis = millis
            requests[hash]?.inferenceHost = host()
        } else {
            requests[hash, default: RequestTimes()].accessMillis = millis
        }
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
