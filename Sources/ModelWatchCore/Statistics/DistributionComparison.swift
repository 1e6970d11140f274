#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Two numeric samples as counts on one shared, increasing list of values: exact data (every
/// distinct value) or two sketches (every bucket representative, see `RelativeErrorSketch`).
///
/// The drift statistics follow the published definitions of Evidently (evidently.ai,
/// `evidently/calculations/stattests/`, the 0.4 series) and scipy, which Evidently calls:
/// each function names the one it reproduces.
public struct AlignedSamples: Sendable {
    public private(set) var values: [Double] = []
    public private(set) var reference: [Double] = []
    public private(set) var current: [Double] = []
    public private(set) var referenceTotal = 0.0
    public private(set) var currentTotal = 0.0

    /// Aligns two lists of (value, count), each in increasing order of value.
    public init(reference ref: [(value: Double, count: Int)], current cur: [(value: Double, count: Int)]) {
        var i = 0
        var j = 0
        while i < ref.count || j < cur.count {
            let takeRef = j >= cur.count || (i < ref.count && ref[i].value <= cur[j].value)
            let takeCur = i >= ref.count || (j < cur.count && cur[j].value <= ref[i].value)
            let value = takeRef ? ref[i].value : cur[j].value
            let refCount = takeRef ? Double(ref[i].count) : 0
            let curCount = takeCur ? Double(cur[j].count) : 0
            values.append(value)
            reference.append(refCount)
            current.append(curCount)
            referenceTotal += refCount
            currentTotal += curCount
            if takeRef { i += 1 }
            if takeCur { j += 1 }
        }
    }

    /// Aligns two samples of raw values (exact data).
    public init(exactReference: [Double], exactCurrent: [Double]) {
        self.init(reference: Self.counted(exactReference), current: Self.counted(exactCurrent))
    }

    /// Aligns two sketches bucket by bucket.
    public init(reference: RelativeErrorSketch, current: RelativeErrorSketch) {
        self.init(reference: reference.buckets, current: current.buckets)
    }

    static func counted(_ sample: [Double]) -> [(value: Double, count: Int)] {
        var out: [(value: Double, count: Int)] = []
        for value in sample.sorted() where value.isFinite {
            if let last = out.last, last.value == value {
                out[out.count - 1].count += 1
            } else {
                out.append((value, 1))
            }
        }
        return out
    }

    /// Distinct values (or buckets) the reference holds.
    public var referenceDistinct: Int { reference.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }
    /// Distinct values (or buckets) either sample holds.
    public var distinct: Int { values.count }
}

/// The drift statistics: population stability index, Jensen–Shannon distance, normalised
/// Wasserstein distance, Kolmogorov–Smirnov and chi-square tests, and the two-proportion z-test
/// behind the accuracy check.
public enum DistributionComparison {
    /// Two-sample Kolmogorov–Smirnov statistic D = sup |F_ref − F_cur| (scipy `ks_2samp`), with
    /// the asymptotic two-sided p-value Q_KS(√(n·m/(n+m)) · D) (Smirnov's limit, scipy
    /// `kstwobign.sf`; Evidently's `ks_stat_test` reads the p-value of `ks_2samp`).
    public static func kolmogorovSmirnov(_ samples: AlignedSamples) -> (statistic: Double, pValue: Double) {
        guard samples.referenceTotal > 0, samples.currentTotal > 0 else { return (0, 1) }
        var refCumulative = 0.0
        var curCumulative = 0.0
        var statistic = 0.0
        for index in samples.values.indices {
            refCumulative += samples.reference[index]
            curCumulative += samples.current[index]
            statistic = max(
                statistic, abs(refCumulative / samples.referenceTotal - curCumulative / samples.currentTotal))
        }
        let n = samples.referenceTotal
        let m = samples.currentTotal
        let effective = n * m / (n + m)
        return (statistic, SpecialFunctions.kolmogorovSurvival(effective.squareRoot() * statistic))
    }

    /// The first Wasserstein (earth mover's) distance ∫ |F_ref − F_cur| dx (scipy
    /// `wasserstein_distance`).
    public static func wasserstein(_ samples: AlignedSamples) -> Double {
        guard samples.referenceTotal > 0, samples.currentTotal > 0, samples.values.count > 1 else { return 0 }
        var refCumulative = 0.0
        var curCumulative = 0.0
        var distance = 0.0
        for index in 0..<(samples.values.count - 1) {
            refCumulative += samples.reference[index]
            curCumulative += samples.current[index]
            let gap = samples.values[index + 1] - samples.values[index]
            distance += abs(refCumulative / samples.referenceTotal - curCumulative / samples.currentTotal) * gap
        }
        return distance
    }

    /// Wasserstein distance divided by the reference's standard deviation (population, ddof 0),
    /// floored at 0.001: Evidently's `wasserstein_stat_test` (`wasserstein_distance(ref, cur) /
    /// max(np.std(ref), 0.001)`), so that 0.1 means "a tenth of a standard deviation".
    public static func normalizedWasserstein(_ samples: AlignedSamples, referenceStandardDeviation: Double) -> Double {
        wasserstein(samples) / max(referenceStandardDeviation, 0.001)
    }

    /// Shares of each sample per bin, Evidently's `get_binned_data`: when the reference has more
    /// than 20 distinct values, `bins` equal-width bins over the range of both samples together
    /// (numpy `histogram_bin_edges(..., bins=n)`, the last bin closed); otherwise one bin per
    /// distinct value. Empty bins are then filled as Evidently does (see `fillZeroes`) unless
    /// `fillZeroes` is false (Evidently's Jensen–Shannon test does not fill them).
    public static func binnedShares(
        _ samples: AlignedSamples, bins: Int = 30, fillZeroes fill: Bool = true
    ) -> (reference: [Double], current: [Double]) {
        guard samples.referenceTotal > 0, samples.currentTotal > 0 else { return ([], []) }
        var refCounts: [Double]
        var curCounts: [Double]
        if samples.referenceDistinct > 20 {
            refCounts = [Double](repeating: 0, count: bins)
            curCounts = [Double](repeating: 0, count: bins)
            var low = samples.values.first ?? 0
            var high = samples.values.last ?? 0
            if low == high {
                low -= 0.5
                high += 0.5
            }
            // numpy's edges: linspace(low, high, bins + 1); bin = floor((x − low)·bins/(high − low)),
            // corrected against the edges themselves.
            let edges = (0...bins).map { low + (high - low) * Double($0) / Double(bins) }
            let norm = Double(bins) / (high - low)
            for (index, value) in samples.values.enumerated() {
                var bin = min(bins - 1, Int((value - low) * norm))
                if bin > 0 && value < edges[bin] { bin -= 1 }
                if bin < bins - 1 && value >= edges[bin + 1] { bin += 1 }
                refCounts[bin] += samples.reference[index]
                curCounts[bin] += samples.current[index]
            }
        } else {
            refCounts = samples.reference
            curCounts = samples.current
        }
        let refShares = refCounts.map { $0 / samples.referenceTotal }
        let curShares = curCounts.map { $0 / samples.currentTotal }
        guard fill else { return (refShares, curShares) }
        return (fillZeroes(refShares), fillZeroes(curShares))
    }

    /// Evidently's `feel_zeroes`: an empty bin gets min(non-zero share)/10⁶ when that minimum is at
    /// most 0.0001, else 0.0001, so that logarithms stay finite.
    public static func fillZeroes(_ shares: [Double]) -> [Double] {
        guard let smallest = shares.filter({ $0 > 0 }).min() else { return shares }
        let fill = smallest <= 0.0001 ? smallest / 1e6 : 0.0001
        return shares.map { $0 == 0 ? fill : $0 }
    }

    /// Population stability index Σ (r − c)·ln(r/c) over filled shares (Evidently's
    /// `psi_stat_test`; threshold 0.1 there).
    public static func populationStabilityIndex(reference: [Double], current: [Double]) -> Double {
        var sum = 0.0
        for index in reference.indices where reference[index] > 0 && current[index] > 0 {
            sum += (reference[index] - current[index]) * log(reference[index] / current[index])
        }
        return sum
    }

    /// Jensen–Shannon distance, natural logarithm (scipy `spatial.distance.jensenshannon`, which
    /// normalises both vectors first; Evidently's `jensenshannon_stat_test`): √((KL(p‖m) + KL(q‖m))/2)
    /// with m = (p + q)/2. Between 0 and √ln 2 ≈ 0.833.
    public static func jensenShannonDistance(reference: [Double], current: [Double]) -> Double {
        let refSum = reference.reduce(0, +)
        let curSum = current.reduce(0, +)
        guard refSum > 0, curSum > 0 else { return 0 }
        var divergence = 0.0
        for index in reference.indices {
            let p = reference[index] / refSum
            let q = current[index] / curSum
            let m = (p + q) / 2
            if p > 0 { divergence += p * log(p / m) }
            if q > 0 { divergence += q * log(q / m) }
        }
        return max(0, divergence / 2).squareRoot()
    }

    /// Chi-square goodness of fit of the current counts against the reference's proportions
    /// (Evidently's `chi_stat_test`: expected = reference count · n_cur/n_ref, scipy `chisquare`,
    /// k − 1 degrees of freedom). A category the reference never had makes the statistic infinite
    /// and the p-value 0, as in scipy.
    public static func chiSquare(reference: [Double], current: [Double]) -> (statistic: Double, pValue: Double) {
        let refTotal = reference.reduce(0, +)
        let curTotal = current.reduce(0, +)
        guard refTotal > 0, curTotal > 0, reference.count > 1 else { return (0, 1) }
        let scale = curTotal / refTotal
        var statistic = 0.0
        for index in reference.indices {
            let expected = reference[index] * scale
            let observed = current[index]
            if expected == 0 {
                if observed > 0 { statistic = .infinity }
                continue
            }
            statistic += (observed - expected) * (observed - expected) / expected
        }
        return (
            statistic, SpecialFunctions.chiSquareSurvival(statistic, degreesOfFreedom: reference.count - 1)
        )
    }

    /// One-sided pooled two-proportion z-test that the current success rate is below the
    /// reference's: z = (p_ref − p_cur)/√(p̂(1 − p̂)(1/n_ref + 1/n_cur)), p-value P(Z > z).
    public static func twoProportionDrop(
        referenceSuccesses: Int, referenceTotal: Int, currentSuccesses: Int, currentTotal: Int
    ) -> (z: Double, pValue: Double) {
        guard referenceTotal > 0, currentTotal > 0 else { return (0, 1) }
        let n1 = Double(referenceTotal)
        let n2 = Double(currentTotal)
        let p1 = Double(referenceSuccesses) / n1
        let p2 = Double(currentSuccesses) / n2
        let pooled = Double(referenceSuccesses + currentSuccesses) / (n1 + n2)
        let variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
        guard variance > 0 else { return (0, p1 > p2 ? 0 : 1) }
        let z = (p1 - p2) / variance.squareRoot()
        return (z, SpecialFunctions.normalSurvival(z))
    }
}
