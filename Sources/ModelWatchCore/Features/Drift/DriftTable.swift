extension SummaryReport {
    /// Per model, one row per feature, prediction and score: the statistic of the worst window,
    /// its value and threshold, how many windows drifted, and what moved most there.
    func renderDrift(_ analysis: DriftDetector.Analysis) -> String {
        guard !analysis.tables.isEmpty else { return "Drift\n  (no model profiles)\n" }
        var out =
            "Drift (\(analysis.profileCount) model profiles, one per model and drift window, \(Self.bytes(Int64(analysis.profileBytes))) in memory)\n"
        for table in analysis.tables {
            let reference = table.reference
            out +=
                "Drift: \(TerminalText.sanitize(table.model)) against \(TerminalText.sanitize(reference.origin)) ("
                + Self.range(reference.startMillis, reference.endMillis)
                + ", \(reference.profile.records) records\(table.accuracy.map { ", " + $0 } ?? ""))\n"
            var rows: [[String]] = [
                ["feature", "type", "statistic", "worst value", "threshold", "windows", "verdict", "moved most"]
            ]
            for row in table.rows {
                guard let worst = row.worst else { continue }
                let value =
                    worst.pValue.map { "\(DriftDetector.format(worst.value)) (p \(DriftDetector.format($0)))" }
                    ?? DriftDetector.format(worst.value)
                var verdict = row.windowsDrifted == 0 ? "ok" : "DRIFT (\(worst.severity?.name ?? "low"))"
                if row.windowsCompared >= 3 && row.windowsDrifted == row.windowsCompared {
                    verdict += ", every window: lasting, or an unusual reference"
                }
                rows.append([
                    TerminalText.sanitize(row.subject), row.kind, worst.statistic, value,
                    (worst.pValue != nil ? "p < " : "") + DriftDetector.format(worst.threshold),
                    "\(row.windowsDrifted)/\(row.windowsCompared)", verdict,
                    row.windowsDrifted == 0 ? "-" : TerminalText.sanitize(worst.movedMost),
                ])
            }
            out += rows.count == 1 ? "  (no window after the reference to compare)\n" : Self.table(rows)
        }
        return out
    }
}
