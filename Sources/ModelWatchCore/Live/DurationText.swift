import Foundation

/// Durations as people write them on a command line: `500ms`, `30s`, `5m` (or `5min`), `2h`,
/// `1d`, or a bare number of seconds.
public enum DurationText {
    /// Milliseconds in `text`, or nil when it is not a positive duration.
    public static func milliseconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(digits), value >= 0 else { return nil }
        let unit = trimmed.dropFirst(digits.count)
        let scale: Double
        switch unit {
        case "ms": scale = 1
        case "", "s", "sec": scale = 1_000
        case "m", "min": scale = 60_000
        case "h": scale = 3_600_000
        case "d": scale = 86_400_000
        default: return nil
        }
        let millis = (value * scale).rounded()
        guard millis.isFinite, millis < 1e15 else { return nil }
        return Int64(millis)
    }
}
