/// Median, median absolute deviation and the robust z-score built on them: how far a value
/// sits from a baseline in units of the baseline's own spread, without letting the outliers
/// being looked for inflate that spread (Iglewicz & Hoaglin 1993, "How to Detect and Handle
/// Outliers"; the 1.4826 factor makes the MAD estimate σ for normal data).
///
/// ```swift
/// RobustStatistics.robustZ(40, baseline: [10, 12, 9, 11, 10])  // 30 / (1.4826 · 1) ≈ 20.2
/// ```
public enum RobustStatistics {
    /// The 50% quantile; the mean of the two middle values for an even count; nil when empty.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The element `sorted()[rank]` would hold, found without sorting: Hoare's quickselect,
    /// O(n) on average, partitioning `values` in place (their order afterwards is unspecified).
    /// Pivots are the median of three, and a range still wide after `2 log2(n) + 8` rounds (a
    /// crafted input) is sorted instead, so the worst case stays O(n log n).
    ///
    /// The abuse recorder's clock check takes the median of up to 1,440 per-minute spreads every
    /// 64 queries; sorting them was 10% of a run's instructions (issue 13's callgrind profile).
    /// - Precondition: `0 <= rank < values.count`; no NaN (its order is undefined).
    public static func element<Value: Comparable>(ofRank rank: Int, in values: inout [Value]) -> Value {
        precondition(rank >= 0 && rank < values.count, "rank \(rank) outside 0..<\(values.count)")
        var low = 0
        var high = values.count - 1
        var roundsLeft = 2 * (Int.bitWidth - values.count.leadingZeroBitCount) + 8
        while low < high {
            if roundsLeft == 0 {
                values[low...high].sort()
                return values[rank]
            }
            roundsLeft -= 1
            // Median of three as the pivot value.
            let middle = low + (high - low) / 2
            let a = values[low]
            let b = values[middle]
            let c = values[high]
            let pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b))
            // Hoare partition: afterwards every element of low...j is <= pivot and every
            // element of j+1...high is >= pivot.
            var i = low
            var j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while pivot < values[j] { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if rank <= j {
                high = j
            } else if rank >= i {
                low = i
            } else {
                return values[rank]  // between the two parts: equal to the pivot
            }
        }
        return values[rank]
    }

    /// Median of |x − median(x)|, unscaled (scipy's `median_abs_deviation(x)`).
    public static func medianAbsoluteDeviation(_ values: [Double]) -> Double? {
        guard let center = median(values) else { return nil }
        return median(values.map { abs($0 - center) })
    }

    /// (value − median) / (1.4826 · MAD), with the scale floored at `minimumScale` so that a
    /// perfectly flat baseline (MAD 0) does not make every change infinitely surprising.
    public static func robustZ(_ value: Double, baseline: [Double], minimumScale: Double = 1) -> Double? {
        guard let center = median(baseline), let mad = medianAbsoluteDeviation(baseline) else { return nil }
        return (value - center) / max(1.4826 * mad, minimumScale)
    }
}

/// Count, sum and sum of squares of a stream of values (inter-arrival gaps): mergeable by
/// addition, enough for the mean and the coefficient of variation.
public struct MomentSums: Sendable, Equatable {
    public var count = 0
    public var sum = 0.0
    public var sumOfSquares = 0.0

    public init() {}

    @inline(__always)
    public mutating func add(_ value: Double) {
        count += 1
        sum += value
        sumOfSquares += value * value
    }

    public mutating func merge(_ other: MomentSums) {
        count += other.count
        sum += other.sum
        sumOfSquares += other.sumOfSquares
    }

    public var mean: Double? { count > 0 ? sum / Double(count) : nil }

    /// Sample standard deviation over mean (population CV with Bessel's correction, as
    /// `scipy.stats.variation(x, ddof=1)`); nil below two values or for a zero mean. Regular
    /// timing (a script on a timer) gives a CV near 0; Poisson arrivals (people) near 1.
    public var coefficientOfVariation: Double? {
        guard count >= 2, sum > 0 else { return nil }
        let mean = sum / Double(count)
        let variance = max(0, (sumOfSquares - Double(count) * mean * mean) / Double(count - 1))
        return variance.squareRoot() / mean
    }
}

extension MomentSums: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(count)
        writer.write(sum)
        writer.write(sumOfSquares)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        count = try reader.readCount()
        sum = try reader.readDouble()
        sumOfSquares = try reader.readDouble()
    }
}
