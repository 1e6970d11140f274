import Foundation

/// The one rounding rule for the numbers events carry (evidence) and the text that shows them:
/// a fixed number of decimal places, or (drift) of significant digits. Rounding makes evidence
/// independent of the order in which partial sums merged, so the same input gives the same JSON.
///
/// ```swift
/// EvidenceRounding.decimalPlaces(3).apply(0.123456)      // 0.123
/// EvidenceRounding.significantDigits(6).apply(1234.5678) // 1234.57
/// ```
public enum EvidenceRounding: Sendable, Equatable {
    /// `places` digits after the decimal point: `(value × 10^places).rounded() / 10^places`,
    /// half away from zero.
    case decimalPlaces(Int)
    /// `digits` significant digits; zero stays zero, and infinities and NaN pass unchanged.
    case significantDigits(Int)

    /// `value` rounded by this rule.
    public func apply(_ value: Double) -> Double {
        switch self {
        case .decimalPlaces(let places):
            let scale = Self.powerOfTen(places)
            return (value * scale).rounded() / scale
        case .significantDigits(let significant):
            guard value.isFinite, value != 0 else { return value.isFinite ? 0 : value }
            let digits = significant - Int((log10(abs(value))).rounded(.up))
            let scale = Self.powerOfTen(abs(digits))
            return digits >= 0 ? (value * scale).rounded() / scale : (value / scale).rounded() * scale
        }
    }

    /// `value` rounded by this rule, as an evidence number.
    public func evidence(_ value: Double) -> EvidenceValue { .number(apply(value)) }

    /// 10^`exponent` by repeated multiplication (exact in a `Double` up to 10^22).
    static func powerOfTen(_ exponent: Int) -> Double {
        var scale = 1.0
        for _ in 0..<max(0, exponent) { scale *= 10 }
        return scale
    }

    /// `value` with exactly `digits` decimals, for messages and tables ("-" when not finite):
    /// the same rounding as `decimalPlaces(digits)`, so a message and its evidence agree.
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "-" }
        var text = String(EvidenceRounding.decimalPlaces(digits).apply(value))
        if text.contains("e") { return text }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        text = String(parts[0])
        if digits > 0 { text += "." + String((fraction + String(repeating: "0", count: digits)).prefix(digits)) }
        return text
    }
}
