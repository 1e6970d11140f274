#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A mergeable quantile sketch with a relative-error guarantee, for numeric features, scores,
/// token counts and latencies of any sign.
///
/// The construction is DDSketch's (Masson, Rim and Lee, "DDSketch: a fast and fully-mergeable
/// quantile sketch with relative-error guarantees", VLDB 2019): with γ = (1 + α) / (1 − α), a
/// positive value x goes to bucket i = ⌈log_γ x⌉, which holds (γ^(i−1), γ^i]; the bucket's
/// representative 2γ^i / (γ + 1) is within a factor (1 ± α) of every value in it. Negative values
/// use a mirrored store; values with |x| below `minimumMagnitude` (and zeros) are counted apart.
///
/// Error bounds, with α = `relativeAccuracy` (1%):
/// - a quantile is within ±α·|x| of a value actually recorded at that rank;
/// - a distance computed from two sketches (see `DistributionComparison`) treats each value as its
///   bucket representative, so it moves each value by at most α·|x|: the Wasserstein distance is
///   off by at most α·(E|X_ref| + E|X_cur|), and the Kolmogorov–Smirnov statistic can only be
///   smaller than the exact one, by at most the largest share of either sample in one bucket.
///
/// Merging adds bucket counts, so it is exact, associative and commutative: sketches built by
/// different workers or from different files merge to the same sketch in any order. Memory is
/// bounded by `maximumBuckets` per sign (8 bytes a bucket); only when the values of one sign span
/// more than that many buckets (about nine decades at 1%) are the smallest magnitudes collapsed
/// into one bucket, which costs accuracy there and nowhere else.
///
/// - Complexity: `add` is O(1) amortised (one logarithm); memory O(min(span, maximumBuckets)).
public struct RelativeErrorSketch: Sendable, Equatable, Codable {
    public static let relativeAccuracy = 0.01
    static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
    /// 1 / ln γ as a literal, so the hot path does no lazy-initialisation check
    /// (Python: `1 / math.log(1.01 / 0.99)`); a test checks it against `gamma`.
    @inline(__always) static var inverseLogGamma: Double { 49.99833328888678 }
    /// Magnitudes below this are counted as zero.
    public static let minimumMagnitude = 1e-9
    public static let maximumBuckets = 1024

    /// Buckets of positive values.
    var positive = DenseBucketStore()
    /// Buckets of negative values, indexed by magnitude.
    var negative = DenseBucketStore()
    /// Zeros and values with |x| < `minimumMagnitude`.
    public private(set) var zeroCount = 0

    public init() {}

    /// Values recorded.
    public var count: Int { positive.total + negative.total + zeroCount }

    /// Buckets in use (the sketch's memory is about 8 bytes a bucket plus a fixed part).
    public var bucketCount: Int { positive.counts.count + negative.counts.count + (zeroCount > 0 ? 1 : 0) }

    @inline(__always)
    static func index(ofMagnitude magnitude: Double) -> Int {
        Int((log(magnitude) * inverseLogGamma).rounded(.up))
    }

    /// The value a bucket stands for: within a factor (1 ± α) of every value in it.
    static func representative(ofIndex index: Int) -> Double {
        2 * pow(gamma, Double(index)) / (gamma + 1)
    }

    /// Records one finite value; non-finite values are ignored.
    @inline(__always)
    public mutating func add(_ value: Double) {
        if value > Self.minimumMagnitude {
            positive.add(index: Self.index(ofMagnitude: value), count: 1)
        } else if value < -Self.minimumMagnitude {
            negative.add(index: Self.index(ofMagnitude: -value), count: 1)
        } else if value.isFinite {
            zeroCount += 1
        }
    }

    public mutating func merge(_ other: RelativeErrorSketch) {
        positive.merge(other.positive)
        negative.merge(other.negative)
        zeroCount += other.zeroCount
    }

    /// Non-empty buckets as (representative value, count), in increasing order of value.
    public var buckets: [(value: Double, count: Int)] {
        var out: [(value: Double, count: Int)] = []
        out.reserveCapacity(bucketCount)
        for (offset, count) in negative.counts.enumerated().reversed() where count > 0 {
            out.append((-Self.representative(ofIndex: negative.offset + offset), count))
        }
        if zeroCount > 0 { out.append((0, zeroCount)) }
        for (offset, count) in positive.counts.enumerated() where count > 0 {
            out.append((Self.representative(ofIndex: positive.offset + offset), count))
        }
        return out
    }

    /// The value at rank `q` (0...1), within ±α·|x| of a recorded value at that rank; nil when empty.
    public func quantile(_ q: Double) -> Double? {
        let total = count
        guard total > 0 else { return nil }
        let rank = Int((q * Double(total - 1)).rounded(.down))
        var seen = 0
        for bucket in buckets {
            seen += bucket.count
            if seen > rank { return bucket.value }
        }
        return buckets.last?.value
    }

    enum CodingKeys: String, CodingKey {
        case positive, negative
        case zeroCount = "zero"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        positive = try container.decode(DenseBucketStore.self, forKey: .positive)
        negative = try container.decode(DenseBucketStore.self, forKey: .negative)
        zeroCount = try container.decode(Int.self, forKey: .zeroCount)
    }
}

/// Contiguous bucket counts from `offset` on, grown at either end as values arrive; at most
/// `RelativeErrorSketch.maximumBuckets`, the lowest indices collapsing into the lowest kept one.
struct DenseBucketStore: Sendable, Equatable, Codable {
    var offset = 0
    var counts: [Int] = []
    var total = 0

    @inline(__always)
    mutating func add(index: Int, count: Int) {
        total += count
        if counts.isEmpty {
            offset = index
            counts = [count]
            return
        }
        let slot = index - offset
        if slot >= 0 && slot < counts.count {
            counts[slot] += count
            return
        }
        addOutside(index: index, count: count)
    }

    private mutating func addOutside(index: Int, count: Int) {
        let limit = RelativeErrorSketch.maximumBuckets
        if index < offset {
            let newOffset = max(index, offset + counts.count - limit)
            if newOffset < offset {
                counts.insert(contentsOf: [Int](repeating: 0, count: offset - newOffset), at: 0)
                offset = newOffset
            }
            counts[max(0, index - offset)] += count
        } else {
            let needed = index - offset + 1
            counts.append(contentsOf: [Int](repeating: 0, count: needed - counts.count))
            counts[index - offset] += count
            if counts.count > limit {
                // Collapse the lowest indices into the lowest index kept.
                let excess = counts.count - limit
                let collapsed = counts[0...excess].reduce(0, +)
                counts.removeFirst(excess)
                counts[0] = collapsed
                offset += excess
            }
        }
    }

    mutating func merge(_ other: DenseBucketStore) {
        guard !other.counts.isEmpty else { return }
        if counts.isEmpty {
            self = other
            return
        }
        // Add the other store's highest buckets first so that collapsing, when it happens, keeps
        // the same top buckets whichever store came first.
        for (slot, value) in other.counts.enumerated().reversed() where value > 0 {
            add(index: other.offset + slot, count: value)
        }
    }

    enum CodingKeys: String, CodingKey {
        case offset, counts
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        offset = try container.decode(Int.self, forKey: .offset)
        counts = try container.decode([Int].self, forKey: .counts)
        guard counts.count <= RelativeErrorSketch.maximumBuckets, counts.allSatisfy({ $0 >= 0 }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .counts, in: container,
                debugDescription: "bucket counts must be at most 1024 non-negative numbers")
        }
        total = counts.reduce(0, +)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(offset, forKey: .offset)
        try container.encode(counts, forKey: .counts)
    }
}

extension DenseBucketStore: StateCodable {
    func encode(to writer: inout StateWriter) {
        writer.write(offset)
        writer.write(counts)
    }

    init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        offset = try reader.readInt()
        counts = try reader.readArray()
        try reader.check(counts.count <= RelativeErrorSketch.maximumBuckets, "\(counts.count) sketch buckets")
        try reader.check(counts.allSatisfy { $0 >= 0 }, "a negative sketch bucket")
        total = counts.reduce(0, +)
    }
}

extension RelativeErrorSketch: StateCodable {
    public func encode(to writer: inout StateWriter) {
        positive.encode(to: &writer)
        negative.encode(to: &writer)
        writer.write(zeroCount)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        positive = try DenseBucketStore(from: &reader)
        negative = try DenseBucketStore(from: &reader)
        zeroCount = try reader.readCount()
    }
}
