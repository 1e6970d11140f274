import Foundation
import Testing

@testable import ModelWatchCore

/// The drift statistics against scipy 1.17.1 / numpy 2.4.6 on exact data (the Python that gave
/// each constant is written beside it), and the sketched versions within their documented bounds.
@Suite struct DriftStatisticsTests {
    // rng = np.random.default_rng(7)
    // ref = np.round(rng.lognormal(3.6, 1.0, 60), 2); cur = np.round(rng.lognormal(3.9, 1.1, 45), 2)
    static let reference: [Double] = [
        36.64, 49.34, 27.82, 15.02, 23.23, 13.58, 38.87, 139.8, 22.37, 19.68, 59.73, 52.29, 40.67, 14.43, 35.54,
        73.35, 9.54, 23.16, 5.47, 10.08, 5.8, 28.93, 10.3, 48.0, 42.81, 30.36, 2.95, 21.36, 34.87, 40.99, 7.92,
        22.7, 13.76, 16.3, 105.73, 16.32, 35.43, 88.62, 20.42, 32.73, 40.87, 39.01, 10.75, 39.49, 142.43, 7.79,
        86.43, 41.24, 19.27, 270.54, 78.43, 11.03, 39.43, 65.15, 30.3, 72.45, 34.24, 71.33, 154.24, 18.62,
    ]
    static let current: [Double] = [
        61.77, 29.68, 56.83, 13.38, 26.12, 39.81, 132.77, 174.12, 11.52, 20.61, 100.64, 5.52, 29.68, 44.39, 196.9,
        105.46, 34.47, 32.94, 37.52, 263.98, 30.85, 35.37, 72.81, 43.26, 39.77, 14.51, 48.78, 30.33, 178.17,
        101.33, 48.11, 103.05, 33.99, 157.17, 49.11, 93.85, 11.94, 72.34, 7.71, 5.27, 35.34, 18.36, 59.17, 583.61,
        19.79,
    ]

    static func close(_ value: Double, _ expected: Double, relative: Double = 1e-6) -> Bool {
        abs(value - expected) <= relative * max(abs(expected), 1e-300)
    }

    @Test func kolmogorovSmirnovMatchesScipy() {
        let samples = AlignedSamples(exactReference: Self.reference, exactCurrent: Self.current)
        let (statistic, pValue) = DistributionComparison.kolmogorovSmirnov(samples)
        // stats.ks_2samp(ref, cur).statistic
        #expect(Self.close(statistic, 0.2222222222222222))
        // en = 60*45/105; stats.kstwobign.sf(np.sqrt(en) * 0.2222222222222222)
        #expect(Self.close(pValue, 0.15770540881969158))
    }

    @Test func wassersteinMatchesScipyAndEvidentlyNormalisation() {
        let samples = AlignedSamples(exactReference: Self.reference, exactCurrent: Self.current)
        // stats.wasserstein_distance(ref, cur)
        #expect(Self.close(DistributionComparison.wasserstein(samples), 30.11416666666667))
        var moments = NumericSummary()
        for value in Self.reference { moments.add(value) }
        // stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)
        let normalized = DistributionComparison.normalizedWasserstein(
            samples, referenceStandardDeviation: moments.standardDeviation)
        #expect(Self.close(normalized, 0.6775219849205473))
    }

    @Test func psiAndJensenShannonFollowEvidentlyBinning() {
        let samples = AlignedSamples(exactReference: Self.reference, exactCurrent: Self.current)
        // bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins=30)
        // rp = np.histogram(ref, bins)[0]/60; cp = np.histogram(cur, bins)[0]/45; zeros filled as
        // Evidently's get_binned_data (min/1e6 if min <= 1e-4 else 1e-4); np.sum((rp-cp)*np.log(rp/cp))
        let filled = DistributionComparison.binnedShares(samples)
        #expect(
            Self.close(
                DistributionComparison.populationStabilityIndex(reference: filled.reference, current: filled.current),
                0.8726180327967026))
        // same bins without filling zeros; scipy.spatial.distance.jensenshannon(rp, cp)
        let raw = DistributionComparison.binnedShares(samples, fillZeroes: false)
        #expect(
            Self.close(
                DistributionComparison.jensenShannonDistance(reference: raw.reference, current: raw.current),
                0.2666191466037579))
    }

    @Test func fewDistinctValuesAreBinnedPerValue() {
        let reference: [Double] = [0, 0, 1, 2, 2, 2, 3, 5, 1, 0, 4, 2, 1, 1, 0, 7]
        let current: [Double] = [0, 1, 1, 2, 3, 3, 3, 5, 6, 8, 2, 2, 9, 1]
        let samples = AlignedSamples(exactReference: reference, exactCurrent: current)
        // keys = sorted(set(r)|set(c)); shares per key, zeros filled; np.sum((rf-cf)*np.log(rf/cf))
        let filled = DistributionComparison.binnedShares(samples)
        #expect(
            Self.close(
                DistributionComparison.populationStabilityIndex(reference: filled.reference, current: filled.current),
                2.6325245906153487))
        // distance.jensenshannon(rp, cp) on the unfilled shares
        let raw = DistributionComparison.binnedShares(samples, fillZeroes: false)
        #expect(
            Self.close(
                DistributionComparison.jensenShannonDistance(reference: raw.reference, current: raw.current),
                0.4091227819894683))
        // stats.ks_2samp(r, c).statistic; stats.wasserstein_distance(r, c)
        #expect(Self.close(DistributionComparison.kolmogorovSmirnov(samples).statistic, 0.25))
        #expect(Self.close(DistributionComparison.wasserstein(samples), 1.3482142857142858))
    }

    @Test func chiSquareAndJensenShannonOnCategories() {
        let reference: [Double] = [300, 120, 80, 25]
        let current: [Double] = [150, 90, 60, 40]
        // stats.chisquare(cur, ref * cur.sum() / ref.sum())
        let (statistic, pValue) = DistributionComparison.chiSquare(reference: reference, current: current)
        #expect(Self.close(statistic, 48.345588235294116))
        #expect(Self.close(pValue, 1.7977407484384849e-10))
        // distance.jensenshannon([300, 120, 80, 25], [150, 90, 60, 40])
        #expect(
            Self.close(
                DistributionComparison.jensenShannonDistance(reference: reference, current: current),
                0.11385082837613726))
        // A category the reference never had: scipy's statistic is inf, its p-value 0.
        let unseen = DistributionComparison.chiSquare(reference: [10, 0], current: [5, 5])
        #expect(unseen.statistic.isInfinite && unseen.pValue == 0)
    }

    @Test func tailProbabilitiesMatchScipy() {
        // stats.chi2.sf(3.7, 4), chi2.sf(250.0, 9), chi2.sf(0.3, 1), chi2.sf(40.0, 30)
        #expect(Self.close(SpecialFunctions.chiSquareSurvival(3.7, degreesOfFreedom: 4), 0.44812592399383866))
        #expect(Self.close(SpecialFunctions.chiSquareSurvival(250, degreesOfFreedom: 9), 9.976151469298895e-49))
        #expect(Self.close(SpecialFunctions.chiSquareSurvival(0.3, degreesOfFreedom: 1), 0.583882420770365))
        #expect(Self.close(SpecialFunctions.chiSquareSurvival(40, degreesOfFreedom: 30), 0.10486428110798468))
        // stats.kstwobign.sf(0.5), (1.0), (1.36), (2.5)
        #expect(Self.close(SpecialFunctions.kolmogorovSurvival(0.5), 0.9639452436648751))
        #expect(Self.close(SpecialFunctions.kolmogorovSurvival(1.0), 0.26999967167735456))
        #expect(Self.close(SpecialFunctions.kolmogorovSurvival(1.36), 0.049485876755377876))
        #expect(Self.close(SpecialFunctions.kolmogorovSurvival(2.5), 7.453306344157342e-06))
    }

    @Test func twoProportionDropMatchesScipy() {
        // p = 5050/6000; z = (2650/3000 - 2400/3000)/np.sqrt(p*(1-p)*(2/3000)); stats.norm.sf(z)
        let test = DistributionComparison.twoProportionDrop(
            referenceSuccesses: 2650, referenceTotal: 3000, currentSuccesses: 2400, currentTotal: 3000)
        #expect(Self.close(test.z, 8.841137444241706))
        #expect(Self.close(test.pValue, 4.737450755224351e-19))
    }

    /// A deterministic log-normal sample (SplitMix64 uniforms, Box–Muller).
    static func logNormal(count: Int, mu: Double, sigma: Double, seed: UInt64) -> [Double] {
        var state = seed
        func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (Double((z ^ (z >> 31)) >> 11) + 0.5) / 9_007_199_254_740_992
        }
        return (0..<count).map { _ in
            let normal = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
            return exp(mu + sigma * normal) - 20
        }
    }

    @Test func sketchedStatisticsStayWithinTheDocumentedBounds() {
        // Values of both signs (shifted log-normal), 20,000 each.
        let reference = Self.logNormal(count: 20_000, mu: 3.6, sigma: 1.1, seed: 1)
        let current = Self.logNormal(count: 20_000, mu: 3.8, sigma: 1.0, seed: 2)
        var refSketch = RelativeErrorSketch()
        var curSketch = RelativeErrorSketch()
        for value in reference { refSketch.add(value) }
        for value in current { curSketch.add(value) }
        let exact = AlignedSamples(exactReference: reference, exactCurrent: current)
        let sketched = AlignedSamples(reference: refSketch, current: curSketch)
        let alpha = RelativeErrorSketch.relativeAccuracy

        let exactW = DistributionComparison.wasserstein(exact)
        let sketchW = DistributionComparison.wasserstein(sketched)
        let meanAbs = { (sample: [Double]) in sample.reduce(0) { $0 + abs($1) } / Double(sample.count) }
        #expect(abs(exactW - sketchW) <= alpha * (meanAbs(reference) + meanAbs(current)))

        let exactD = DistributionComparison.kolmogorovSmirnov(exact).statistic
        let sketchD = DistributionComparison.kolmogorovSmirnov(sketched).statistic
        let largestBucketShare = max(
            refSketch.buckets.map { Double($0.count) / 20_000 }.max() ?? 0,
            curSketch.buckets.map { Double($0.count) / 20_000 }.max() ?? 0)
        #expect(sketchD <= exactD + 1e-12)
        #expect(exactD <= sketchD + largestBucketShare)

        let sorted = reference.sorted()
        for q in [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99] {
            let exactQuantile = sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
            let estimate = refSketch.quantile(q) ?? .nan
            #expect(abs(estimate - exactQuantile) <= alpha * abs(exactQuantile) + 1e-9, "quantile \(q)")
        }
    }

    @Test func profilesMergeExactlyInAnyOrder() {
        let values = Self.logNormal(count: 9_000, mu: 2, sigma: 1.5, seed: 3)
        var whole = NumericSummary()
        for value in values { whole.add(value) }
        var parts = [NumericSummary](repeating: NumericSummary(), count: 3)
        for (index, value) in values.enumerated() { parts[index % 3].add(value) }
        var forward = parts[0]
        forward.merge(parts[1])
        forward.merge(parts[2])
        var backward = parts[2]
        backward.merge(parts[1])
        backward.merge(parts[0])
        for merged in [forward, backward] {
            #expect(merged.count == whole.count)
            #expect(merged.sketch == whole.sketch)
            #expect(merged.minimum == whole.minimum && merged.maximum == whole.maximum)
            #expect(Self.close(merged.mean, whole.mean, relative: 1e-12))
            #expect(Self.close(merged.variance, whole.variance, relative: 1e-12))
        }
        var mean = 0.0
        for value in values { mean += value }
        mean /= Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        #expect(Self.close(whole.variance, variance, relative: 1e-9))
    }

    @Test func sketchConstantsAgree() {
        #expect(abs(RelativeErrorSketch.inverseLogGamma * log(RelativeErrorSketch.gamma) - 1) < 1e-15)
        // Every value is within α of its bucket's representative.
        for value in [1e-6, 0.37, 1, 2, 3, 17.5, 1000, 123_456.789] {
            let representative = RelativeErrorSketch.representative(
                ofIndex: RelativeErrorSketch.index(ofMagnitude: value))
            #expect(abs(representative - value) <= RelativeErrorSketch.relativeAccuracy * value * (1 + 1e-12))
        }
    }

    @Test func sketchMemoryIsBoundedAndCollapsesOnlyTheSmallestMagnitudes() {
        var sketch = RelativeErrorSketch()
        // Twenty decades of magnitudes: more buckets than the cap.
        var value = 1e-8
        while value < 1e12 {
            sketch.add(value)
            value *= 1.005
        }
        #expect(sketch.bucketCount <= RelativeErrorSketch.maximumBuckets)
        let top = sketch.quantile(1) ?? 0
        #expect(abs(top - value / 1.005) <= RelativeErrorSketch.relativeAccuracy * value)
    }

    @Test func categoryCountsKeepTotalsPastTheCap() {
        var counts = CategoryCounts(capacity: 3)
        for name in ["a", "b", "a", "c", "d", "e", "a"] { counts.add(name) }
        #expect(counts.count(of: "a") == 3)
        #expect(counts.otherCount == 2)
        #expect(counts.total == 7)
        var other = CategoryCounts(capacity: 3)
        other.add("b", count: 5)
        other.add("z", count: 4)
        counts.merge(other)
        #expect(counts.count(of: "b") == 6)
        #expect(counts.otherCount == 6)
        #expect(counts.total == 16)
    }
}
