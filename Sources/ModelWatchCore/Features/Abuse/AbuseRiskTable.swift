/// The ranked table of the riskiest clients and addresses that `analyze` prints: one row per
/// entity named by an `abuse.*` event (of any severity), worst first, with the signals behind it.
public enum AbuseRiskTable {
    struct Row {
        var entity: String
        var worst: Severity
        var score: Double
        var types: [String] = []
        var signals: [String] = []
        var windows = 0
        var firstMillis: Int64 = .max
    }

    public static func render(_ events: [Event], state: AbuseState? = nil, top: Int) -> String {
        var scope = ""
        if let state {
            let hours = SummaryReport.fixed(
                Double(state.windowMillis) / 3_600_000, state.windowMillis % 3_600_000 == 0 ? 0 : 2)
            scope =
                "  windows of \(hours) h; about \(Int(state.distinctClients.estimate.rounded())) distinct clients and "
                + "\(Int(state.distinctAddresses.estimate.rounded())) addresses, "
                + "\(state.untrackedClientRecords + state.untrackedAddressRecords) records of keys too rare to track\n"
        }
        var rows: [String: Row] = [:]
        for event in events where event.type.rawValue.hasPrefix("abuse.") {
            let name: String
            if let client = event.entity.client {
                name = "client " + client
            } else if let ip = event.entity.ip {
                name = "address " + ip
            } else {
                continue
            }
            var row = rows[name] ?? Row(entity: name, worst: event.severity, score: 0)
            row.worst = max(row.worst, event.severity)
            // Severity dominates; within it, more event types and windows rank higher.
            row.score += Double(1 << (2 * event.severity.rawValue)) * Double(max(1, event.count ?? 1))
            let type = String(event.type.rawValue.dropFirst("abuse.".count))
            if !row.types.contains(type) { row.types.append(type) }
            if case .text(let text)? = event.evidence.first(where: { $0.0 == "signals" })?.1 {
                for signal in text.split(separator: ",").map({ $0.trimmingCharacters() }) where !signal.isEmpty {
                    if !row.signals.contains(signal) { row.signals.append(signal) }
                }
            }
            row.windows += event.count ?? 1
            row.firstMillis = min(row.firstMillis, event.startMillis)
            rows[name] = row
        }
        guard !rows.isEmpty else { return "Abuse risk\n" + scope + "  no client or address showed abuse signals\n" }
        let ranked = rows.values.sorted { ($0.worst, $0.score, $1.entity) > ($1.worst, $1.score, $0.entity) }
        var table: [[String]] = [["rank", "who", "risk", "events", "signals", "windows", "first seen (UTC)"]]
        for (index, row) in ranked.prefix(top).enumerated() {
            table.append([
                String(index + 1), TerminalText.sanitize(row.entity), row.worst.name, row.types.joined(separator: ", "),
                TerminalText.sanitize(row.signals.joined(separator: ", ")), String(row.windows),
                TimestampParser.formatRFC3339(millis: row.firstMillis),
            ])
        }
        return "Abuse risk (riskiest clients and addresses, \(rows.count) with signals)\n" + scope
            + SummaryReport.table(table)
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
