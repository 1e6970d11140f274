#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The Shapiro–Wilk test of normality, W and its p-value, as Royston's algorithm AS R94
/// computes them (Royston 1992, "Approximating the Shapiro-Wilk W-test for non-normality",
/// Statistics and Computing 2:117–119; Royston 1995, "Remark AS R94", Applied Statistics
/// 44:547–551), which is also what `scipy.stats.shapiro` uses.
///
/// W is the squared correlation between the ordered sample and approximate normal order-statistic
/// coefficients: 1 for a perfectly normal-looking sample, smaller the less normal. PRADA (Juuti
/// et al. 2019) raises its alarm when W falls below δ ≈ 0.95 over at least 100 distances.
///
/// ```swift
/// let result = ShapiroWilk.test([2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8])
/// // result?.w ≈ 0.963, result?.p ≈ 0.84
/// ```
/// - Complexity: O(n log n) for the sort.
public enum ShapiroWilk {
    public struct Result: Sendable, Equatable {
        public var w: Double
        public var p: Double
    }

    /// W and p for 3 ≤ n ≤ 5000 values; nil for fewer than 3, more than 5000 (outside the
    /// approximation's range), or when every value is the same (W is undefined: the range is 0).
    public static func test(_ values: [Double]) -> Result? {
        let n = values.count
        guard n >= 3, n <= 5000 else { return nil }
        let x = values.sorted()
        let range = x[n - 1] - x[0]
        guard range > 1e-19 * max(1, abs(x[n - 1])), range.isFinite else { return nil }
        let a = coefficients(n)
        let mean = x.reduce(0, +) / Double(n)
        var numerator = 0.0
        for i in 0..<(n / 2) { numerator += a[i] * (x[n - 1 - i] - x[i]) }
        var sumOfSquares = 0.0
        for value in x { sumOfSquares += (value - mean) * (value - mean) }
        let w = min(1, numerator * numerator / sumOfSquares)
        return Result(w: w, p: pValue(w: w, n: n))
    }

    /// The n/2 coefficients a_i of the upper half of the ordered sample (AS R94's `a`), normalised
    /// so that the full antisymmetric vector has unit length.
    static func coefficients(_ n: Int) -> [Double] {
        let half = n / 2
        if n == 3 { return [(0.5 as Double).squareRoot()] }
        // c1, c2: Royston (1992), polynomial corrections in 1/√n for the two outermost coefficients.
        let c1 = [0.0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056]
        let c2 = [0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633]
        let an25 = Double(n) + 0.25
        var m = [Double](repeating: 0, count: half)
        var summ2 = 0.0
        for i in 0..<half {
            m[i] = NormalDistribution.quantile((Double(i + 1) - 0.375) / an25)
            summ2 += m[i] * m[i]
        }
        summ2 *= 2
        let ssumm2 = summ2.squareRoot()
        let rsn = 1 / Double(n).squareRoot()
        let a1 = polynomial(c1, rsn) - m[0] / ssumm2
        var a = [Double](repeating: 0, count: half)
        let first: Int
        let fac: Double
        if n > 5 {
            first = 2
            let a2 = -m[1] / ssumm2 + polynomial(c2, rsn)
            fac = ((summ2 - 2 * m[0] * m[0] - 2 * m[1] * m[1]) / (1 - 2 * a1 * a1 - 2 * a2 * a2)).squareRoot()
            a[1] = a2
        } else {
            first = 1
            fac = ((summ2 - 2 * m[0] * m[0]) / (1 - 2 * a1 * a1)).squareRoot()
        }
        a[0] = a1
        for i in first..<half { a[i] = -m[i] / fac }
        return a
    }

    /// Royston (1995): the upper-tail probability of W for sample size n.
    static func pValue(w: Double, n: Int) -> Double {
        if n == 3 {
            // Exact for n = 3: p = (6/π)(asin(√W) − asin(√(3/4))).
            return max(0, 6 / Double.pi * (asin(w.squareRoot()) - Double.pi / 3))
        }
        let w1 = 1 - w
        guard w1 > 0 else { return 1 }
        var y = log(w1)
        let an = Double(n)
        let mean: Double
        let sd: Double
        if n <= 11 {
            let gamma = polynomial([-2.273, 0.459], an)
            if y >= gamma { return 1e-99 }
            y = -log(gamma - y)
            mean = polynomial([0.544, -0.39978, 0.025054, -6.714e-4], an)
            sd = exp(polynomial([1.3822, -0.77857, 0.062767, -0.0020322], an))
        } else {
            let logN = log(an)
            mean = polynomial([-1.5861, -0.31082, -0.083751, 0.0038915], logN)
            sd = exp(polynomial([-0.4803, -0.082676, 0.0030302], logN))
        }
        return NormalDistribution.upperTail((y - mean) / sd)
    }

    /// c[0] + c[1]·x + c[2]·x² + …
    static func polynomial(_ c: [Double], _ x: Double) -> Double {
        var result = 0.0
        for coefficient in c.reversed() { result = result * x + coefficient }
        return result
    }
}

/// The standard normal distribution's tail and quantile.
public enum NormalDistribution {
    /// P(Z > z) = erfc(z/√2)/2.
    public static func upperTail(_ z: Double) -> Double { 0.5 * erfc(z / (2 as Double).squareRoot()) }

    /// Φ(z) = erfc(−z/√2)/2.
    public static func cdf(_ z: Double) -> Double { 0.5 * erfc(-z / (2 as Double).squareRoot()) }

    /// Φ⁻¹(p) for 0 < p < 1: Abramowitz & Stegun 26.2.23 as a start (error < 4.5e-4), then three
    /// Halley steps on Φ computed with `erfc`, which bring it to double precision.
    public static func quantile(_ p: Double) -> Double {
        guard p > 0, p < 1 else { return p <= 0 ? -.infinity : .infinity }
        let tail = min(p, 1 - p)
        let t = (-2 * log(tail)).squareRoot()
        var x =
            t - (2.515517 + 0.802853 * t + 0.010328 * t * t)
            / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t)
        if p < 0.5 { x = -x }
        for _ in 0..<3 {
            let error = cdf(x) - p
            let u = error * (2 * Double.pi).squareRoot() * exp(x * x / 2)
            x -= u / (1 + x * u / 2)
        }
        return x
    }
}
