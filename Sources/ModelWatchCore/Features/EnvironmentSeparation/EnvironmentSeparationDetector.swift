/// Raises `ops.env_separation` (2022 8.31, 2013 A.12.1.4) when a model or a client whose name
/// marks it as development, test or staging shows up in the logs being analysed (production).
///
/// A name is split into words at every character that is not a letter or digit; it is marked when
/// a word is one of `markers`, alone or followed by digits (`staging`, `test2`, `fraud-dev`,
/// `k_qa_01`), so ordinary names that merely contain the letters (`latest`, `device`) do not match.
public struct EnvironmentSeparationDetector: Sendable {
    public var markers: Set<String>
    public static let defaultMarkers: Set<String> = [
        "dev", "develop", "development", "test", "testing", "staging", "stage", "stg", "sandbox", "qa", "uat",
        "preprod", "debug", "tmp", "temp", "canarytest",
    ]

    public init(markers: Set<String> = EnvironmentSeparationDetector.defaultMarkers) {
        self.markers = Set(markers.map { $0.lowercased() })
    }

    /// The marker a name carries, if any.
    public func marker(in name: String) -> String? {
        let words = name.lowercased().split { !($0.isLetter || $0.isNumber) }
        for word in words {
            let letters = word.prefix { !$0.isNumber }
            let rest = word.dropFirst(letters.count)
            if rest.allSatisfy(\.isNumber), markers.contains(String(letters)) { return String(letters) }
        }
        return nil
    }

    public func events(for summary: AnalysisSummary) -> [Event] {
        var events: [Event] = []
        for totals in summary.modelTotals {
            guard let marker = marker(in: totals.model) else { continue }
            let window = totals.window
            events.append(
                Event(
                    type: .opsEnvSeparation, subtype: "model", severity: .medium, startMillis: window.firstMillis,
                    endMillis: window.lastMillis, entity: EventEntity(model: totals.model),
                    evidence: [
                        ("marker", .text(marker)), ("records", .integer(Int64(window.records))),
                        ("hosts", .text(totals.hosts.sorted().joined(separator: ", "))),
                    ],
                    message:
                        "model \(totals.model) looks like a \(marker) model but answered \(window.records) calls in these production logs; move it out of production or rename it if it is meant to be there.",
                    count: window.records))
        }
        var seen = Set<String>()
        for tables in [summary.gateway, summary.inference] {
            for entry in tables.clients.entries where !seen.contains(entry.key) {
                guard let marker = marker(in: entry.key) else { continue }
                seen.insert(entry.key)
                events.append(
                    Event(
                        type: .opsEnvSeparation, subtype: "principal", severity: .medium,
                        startMillis: entry.activity.firstMillis, endMillis: entry.activity.lastMillis,
                        entity: EventEntity(client: entry.key),
                        evidence: [("marker", .text(marker)), ("requests", .integer(Int64(entry.count)))],
                        message:
                            "client \(entry.key) looks like a \(marker) credential but made \(entry.count) calls in these production logs; revoke it in production or give production its own key.",
                        count: entry.count))
            }
        }
        return events.sorted { ($0.startMillis, $0.id) < ($1.startMillis, $1.id) }
    }
}
