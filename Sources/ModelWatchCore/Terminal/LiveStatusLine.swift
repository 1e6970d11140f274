import Foundation

/// The `live` status line on standard error (only when it is a terminal), redrawn in place by
/// the loop about once a second: lines per second since the last draw, how far the watermark
/// lags behind the wall clock, late records and open incidents.
public struct LiveStatusLine {
    private var lastDrawWallMillis: Int64 = .min
    private var linesAtLastDraw = 0
    /// Wall time between redraws.
    public static let intervalMillis: Int64 = 1_000

    public init() {}

    /// Redraws when a second has passed.
    public mutating func draw(
        wallMillis: Int64, lines: Int, watermarkMillis: Int64, lateRecords: Int, openIncidents: Int
    ) {
        guard wallMillis - lastDrawWallMillis >= Self.intervalMillis else { return }
        let seconds = lastDrawWallMillis == .min ? 0 : Double(wallMillis - lastDrawWallMillis) / 1000
        let rate = seconds > 0 ? Int(Double(lines - linesAtLastDraw) / seconds) : 0
        lastDrawWallMillis = wallMillis
        linesAtLastDraw = lines
        let lag = watermarkMillis == .min ? "-" : Self.duration(wallMillis - watermarkMillis)
        let text =
            "\r\u{1B}[Klive: \(rate) lines/s, \(lines) lines, watermark \(lag) behind, \(lateRecords) late, \(openIncidents) open incidents"
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Clears the line (before the final summary is printed).
    public func clear() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    static func duration(_ millis: Int64) -> String {
        let seconds = millis / 1000
        if abs(seconds) < 120 { return "\(seconds) s" }
        if abs(seconds) < 7200 { return "\(seconds / 60) min" }
        return "\(seconds / 3600) h"
    }
}
