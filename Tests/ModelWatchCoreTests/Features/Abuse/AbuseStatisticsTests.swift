import Foundation
import Testing

@testable import ModelWatchCore

/// The statistics behind the abuse events, against scipy (each expected value's computation is
/// written next to it, so it can be rerun).
@Suite struct AbuseStatisticsTests {
    struct ShapiroCase: Sendable, CustomStringConvertible {
        var name: String
        var values: [Double]
        var w: Double
        var p: Double
        var description: String { name }
    }

    static let shapiroCases: [ShapiroCase] = [
        // scipy.stats.shapiro([2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8])
        ShapiroCase(
            name: "seven values", values: [2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8], w: 0.9390525293627545,
            p: 0.6302013172428591),
        // scipy.stats.shapiro([1.0, 2.0, 4.0]): n = 3 has an exact p
        ShapiroCase(name: "n = 3", values: [1, 2, 4], w: 0.9642857142857142, p: 0.6368868450289689),
        // scipy.stats.shapiro([1.0, 2.0, 4.0, 8.0, 9.5]): n ≤ 5 uses one corrected coefficient
        ShapiroCase(name: "n = 5", values: [1, 2, 4, 8, 9.5], w: 0.9126057461231329, p: 0.483406697454633),
        // scipy.stats.shapiro([i*i for i in range(1, 12)]): n = 11, the small-sample p branch
        ShapiroCase(
            name: "squares, n = 11", values: (1...11).map { Double($0 * $0) }, w: 0.9186320447076229,
            p: 0.30741084707592625),
        // scipy.stats.shapiro([(i*37) % 101 for i in range(1, 61)]): a near-uniform sample
        ShapiroCase(
            name: "uniform-like, n = 60", values: (1...60).map { Double(($0 * 37) % 101) }, w: 0.9536964993600967,
            p: 0.023318338575765877),
        // scipy.stats.shapiro([math.exp(i/40) for i in range(150)]): skewed, clearly not normal
        ShapiroCase(
            name: "exponential curve, n = 150", values: (0..<150).map { exp(Double($0) / 40) }, w: 0.8268921747504354,
            p: 4.9643488611942034e-12),
        // scipy.stats.shapiro([scipy.stats.norm.ppf((i-0.5)/120) for i in range(1, 121)])
        ShapiroCase(
            name: "normal quantiles, n = 120",
            values: (1...120).map { NormalDistribution.quantile((Double($0) - 0.5) / 120) }, w: 0.9996291955187085,
            p: 1.0),
    ]

    @Test(arguments: shapiroCases)
    func shapiroWilkMatchesScipy(_ example: ShapiroCase) throws {
        let result = try #require(ShapiroWilk.test(example.values))
        #expect(abs(result.w - example.w) < 1e-6, "W \(result.w) vs scipy \(example.w)")
        if example.p < 1e-6 {
            #expect(abs(log(result.p) - log(example.p)) < 1e-3, "p \(result.p) vs scipy \(example.p)")
        } else {
            #expect(abs(result.p - example.p) < 1e-5, "p \(result.p) vs scipy \(example.p)")
        }
    }

    @Test func shapiroWilkIsIndependentOfOrderScaleAndShift() throws {
        let values = (1...60).map { Double(($0 * 37) % 101) }
        let base = try #require(ShapiroWilk.test(values))
        let moved = try #require(ShapiroWilk.test(values.reversed().map { $0 * 3.5 - 17 }))
        #expect(abs(base.w - moved.w) < 1e-12)
    }

    @Test func shapiroWilkRefusesDegenerateSamples() {
        #expect(ShapiroWilk.test([1, 2]) == nil)
        #expect(ShapiroWilk.test([Double](repeating: 4.2, count: 200)) == nil)
    }

    @Test func normalQuantileMatchesScipy() {
        // scipy.stats.norm.ppf([1e-10, 0.001, 0.025, 0.3, 0.5, 0.9])
        let expected: [(Double, Double)] = [
            (1e-10, -6.3613409), (0.001, -3.09023231), (0.025, -1.95996398), (0.3, -0.52440051), (0.5, 0),
            (0.9, 1.28155157),
        ]
        for (p, z) in expected {
            #expect(abs(NormalDistribution.quantile(p) - z) < 1e-7, "ppf(\(p))")
        }
    }

    @Test func robustZUsesMedianAndMad() throws {
        // numpy.median([10,12,9,11,10,40]) = 10.5; scipy.stats.median_abs_deviation(...) = 1.0
        let baseline: [Double] = [10, 12, 9, 11, 10, 40]
        #expect(RobustStatistics.median(baseline) == 10.5)
        #expect(RobustStatistics.medianAbsoluteDeviation(baseline) == 1.0)
        let z = try #require(RobustStatistics.robustZ(50, baseline: baseline))
        #expect(abs(z - 39.5 / 1.4826) < 1e-12)
        // A flat baseline: the scale is floored, not zero.
        let flat = try #require(RobustStatistics.robustZ(5, baseline: [2, 2, 2], minimumScale: 0.5))
        #expect(flat == 6)
        #expect(RobustStatistics.robustZ(1, baseline: []) == nil)
    }

    @Test func coefficientOfVariationMatchesScipyAndMerges() throws {
        // scipy.stats.variation([4.0, 5.0, 6.0, 5.5, 4.5], ddof=1) = 0.15811388300841897
        var first = MomentSums()
        var second = MomentSums()
        for value in [4.0, 5.0] { first.add(value) }
        for value in [6.0, 5.5, 4.5] { second.add(value) }
        first.merge(second)
        let cv = try #require(first.coefficientOfVariation)
        #expect(abs(cv - 0.15811388300841897) < 1e-12)
        var single = MomentSums()
        single.add(3)
        #expect(single.coefficientOfVariation == nil)
    }
}
