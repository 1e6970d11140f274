#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A mergeable histogram of positive values with logarithmic buckets, for latency quantiles.
///
/// Bucket `i` holds values in `[γ^i, γ^(i+1))` with γ = 1.04, so a quantile read from the bucket
/// midpoint is within ±2% of a value actually recorded at that rank (the DDSketch construction,
/// Masson, Rim and Lee, VLDB 2019). Buckets are stored sparsely, sorted by index, so a window
/// that saw a few dozen distinct latencies costs a few hundred bytes. Merging adds counts, so it
/// is exact, associative and commutative: partials merge to the same result in any order.
///
/// - Complexity: `record` is O(log b) to find the bucket plus an insertion shift for a new
///   bucket, b ≤ 600 buckets between 1 µs and 10^7 ms.
public struct LatencyHistogram: Sendable, Equatable {
    static let gamma = 1.04
    static let logGamma = log(gamma)
    /// Values at or below this (in ms) fall into the lowest bucket.
    static let minimumValue = 0.001
    static let indexOffset = Int(floor(log(minimumValue) / log(gamma)))

    private(set) var bucketIndices: [UInt16] = []
    private(set) var bucketCounts: [UInt32] = []
    public private(set) var count: Int = 0

    public init() {}

    @inline(__always)
    static func bucketIndex(of value: Double) -> UInt16 {
        let clamped = max(value, minimumValue)
        let index = Int(floor(log(clamped) / logGamma)) - indexOffset
        return UInt16(clamping: max(0, index))
    }

    static func representative(of index: UInt16) -> Double {
        // The midpoint (in relative terms) of [γ^i, γ^(i+1)).
        let lower = pow(gamma, Double(Int(index) + indexOffset))
        return lower * (1 + gamma) / 2
    }

    /// Records one value; returns true when it opened a new bucket (the histogram grew).
    @discardableResult
    public mutating func record(_ value: Double) -> Bool {
        guard value.isFinite, value >= 0 else { return false }
        return add(index: Self.bucketIndex(of: value), count: 1)
    }

    /// Buckets in use: the histogram's memory is about 6 bytes a bucket.
    public var bucketCount: Int { bucketIndices.count }

    @discardableResult
    private mutating func add(index: UInt16, count added: UInt32) -> Bool {
        count += Int(added)
        var low = 0
        var high = bucketIndices.count
        while low < high {
            let middle = (low + high) / 2
            if bucketIndices[middle] < index { low = middle + 1 } else { high = middle }
        }
        if low < bucketIndices.count && bucketIndices[low] == index {
            bucketCounts[low] &+= added
            return false
        }
        bucketIndices.insert(index, at: low)
        bucketCounts.insert(added, at: low)
        return true
    }

    public mutating func merge(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        if count == 0 {
            self = other
            return
        }
        var indices: [UInt16] = []
        var counts: [UInt32] = []
        indices.reserveCapacity(bucketIndices.count + other.bucketIndices.count)
        counts.reserveCapacity(indices.capacity)
        var left = 0
        var right = 0
        while left < bucketIndices.count || right < other.bucketIndices.count {
            if right >= other.bucketIndices.count
                || (left < bucketIndices.count && bucketIndices[left] < other.bucketIndices[right])
            {
                indices.append(bucketIndices[left])
                counts.append(bucketCounts[left])
                left += 1
            } else if left >= bucketIndices.count || other.bucketIndices[right] < bucketIndices[left] {
                indices.append(other.bucketIndices[right])
                counts.append(other.bucketCounts[right])
                right += 1
            } else {
                indices.append(bucketIndices[left])
                counts.append(bucketCounts[left] &+ other.bucketCounts[right])
                left += 1
                right += 1
            }
        }
        bucketIndices = indices
        bucketCounts = counts
        count += other.count
    }

    /// The value at quantile `q` (0...1), by the nearest-rank method; nil when empty.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((q * Double(count)).rounded(.up)))
        var seen = 0
        for position in bucketIndices.indices {
            seen += Int(bucketCounts[position])
            if seen >= rank { return Self.representative(of: bucketIndices[position]) }
        }
        return Self.representative(of: bucketIndices[bucketIndices.count - 1])
    }
}

extension LatencyHistogram: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(bucketIndices.count)
        for index in bucketIndices.indices {
            writer.write(bucketIndices[index])
            writer.write(bucketCounts[index])
        }
    }

    /// Buckets must be in increasing index order (the binary search relies on it).
    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        let buckets = try reader.readLength(minimumElementBytes: 2)
        bucketIndices.reserveCapacity(buckets)
        bucketCounts.reserveCapacity(buckets)
        for _ in 0..<buckets {
            let index = try reader.readUInt16()
            let added = try reader.readUInt32()
            try reader.check(bucketIndices.last.map { $0 < index } ?? true, "latency buckets out of order")
            bucketIndices.append(index)
            bucketCounts.append(added)
            count += Int(added)
        }
    }
}
