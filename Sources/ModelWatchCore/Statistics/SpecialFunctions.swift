#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The tail probabilities behind the drift tests' p-values.
public enum SpecialFunctions {
    /// P(Z > z) for a standard normal Z: erfc(z/√2)/2 (scipy `norm.sf`).
    public static func normalSurvival(_ z: Double) -> Double {
        0.5 * erfc(z / 2.0.squareRoot())
    }

    /// P(K > λ) for Kolmogorov's limiting distribution (scipy `kstwobign.sf`):
    /// Q(λ) = 2 Σ_{k≥1} (−1)^(k−1) e^(−2k²λ²); for small λ the equivalent form
    /// 1 − (√(2π)/λ) Σ_{k≥1} e^(−(2k−1)²π²/(8λ²)), which converges fast there (Kolmogorov 1933;
    /// both series as in Marsaglia, Tsang and Wang, J. Stat. Softw. 8(18), 2003, section 1).
    public static func kolmogorovSurvival(_ lambda: Double) -> Double {
        guard lambda > 0 else { return 1 }
        if lambda < 1 {
            var sum = 0.0
            for k in 1...20 {
                let odd = Double(2 * k - 1)
                sum += exp(-odd * odd * Double.pi * Double.pi / (8 * lambda * lambda))
            }
            return max(0, min(1, 1 - (2 * Double.pi).squareRoot() / lambda * sum))
        }
        var sum = 0.0
        var sign = 1.0
        for k in 1...100 {
            let term = exp(-2 * Double(k * k) * lambda * lambda)
            sum += sign * term
            if term < 1e-17 { break }
            sign = -sign
        }
        return max(0, min(1, 2 * sum))
    }

    /// P(X > x) for a chi-square X with `degreesOfFreedom` (scipy `chi2.sf`): the regularised upper
    /// incomplete gamma function Q(k/2, x/2).
    public static func chiSquareSurvival(_ x: Double, degreesOfFreedom: Int) -> Double {
        guard degreesOfFreedom > 0 else { return .nan }
        if x.isInfinite { return 0 }
        guard x > 0 else { return 1 }
        return regularizedUpperGamma(Double(degreesOfFreedom) / 2, x / 2)
    }

    /// Q(a, x) = Γ(a, x)/Γ(a): the power series of P(a, x) below x = a + 1, the continued fraction
    /// of Q(a, x) above it, evaluated with the modified Lentz method (Abramowitz and Stegun 6.5.29
    /// and 6.5.31; the split and Lentz's method as in Press et al., Numerical Recipes, 3rd ed., 6.2).
    static func regularizedUpperGamma(_ a: Double, _ x: Double) -> Double {
        let logPrefactor = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var term = 1 / a
            var sum = term
            var denominator = a
            for _ in 0..<10_000 {
                denominator += 1
                term *= x / denominator
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return max(0, 1 - sum * exp(logPrefactor))
        }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var fraction = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            fraction *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return min(1, exp(logPrefactor) * fraction)
    }
}
