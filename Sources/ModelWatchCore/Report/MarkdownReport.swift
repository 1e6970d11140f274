/// The report as GitHub-flavoured Markdown, for chat and tickets: the HTML report's sections as
/// tables, with Unicode sparklines where the HTML draws charts. Log text goes through
/// `MarkdownText.escape`, so a key or path can neither break a table nor become a link or tag.
public enum MarkdownReport {
    public static func render(_ document: ReportDocument) -> String {
        let labels = document.days.map(\.day)
        let period = labels.isEmpty ? "no dated records" : "\(labels.first!) – \(labels.last!)"
        var out = "# modelwatch report\n\n"
        out +=
            "\(m(document.scope)) · data \(period) (\(labels.count) day\(labels.count == 1 ? "" : "s")) · generated \(document.generated)\n\n"

        out += "## Needs attention tonight\n\n"
        let serious = document.incidents.filter { $0.severityRank >= Severity.medium.rawValue }
        if serious.isEmpty {
            out += "No incident at medium or above.\n\n"
        } else {
            out += "| severity | status | ISO 27001:2022 | 2013 | type | about | start (UTC) | what to do |\n"
            out += "| --- | --- | --- | --- | --- | --- | --- | --- |\n"
            for incident in serious.prefix(ReportFigures.listedIncidents) {
                var status = incident.status.rawValue
                if let first = incident.firstNight, let last = incident.lastNight { status += " (\(first) → \(last))" }
                out +=
                    "| **\(incident.severity)** | \(status) | \(incident.iso2022) | \(incident.iso2013) | `\(incident.type)`\(incident.count.map { " ×\($0)" } ?? "") | \(m(incident.entity)) | \(incident.start) | \(m(incident.message)) |\n"
            }
            if serious.count > ReportFigures.listedIncidents {
                out +=
                    "\n\(serious.count - ReportFigures.listedIncidents) more incidents at medium or above are in the events file.\n"
            }
            out += "\n"
        }
        let minor = HTMLReport.groups(document.incidents.filter { $0.severityRank < Severity.medium.rawValue })
        if !minor.isEmpty {
            out +=
                "Lower-severity events, grouped:\n\n| severity | ISO 27001:2022 | 2013 | type | events | new | example |\n"
            out += "| --- | --- | --- | --- | ---: | ---: | --- |\n"
            for group in minor {
                out +=
                    "| \(group.first.severity) | \(group.first.iso2022) | \(group.first.iso2013) | `\(group.first.type)` | \(group.count) | \(group.new) | \(m(group.first.message)) |\n"
            }
            out += "\n"
        }

        out += "## Models, day by day\n\n"
        if document.models.isEmpty {
            out += "No inference records.\n\n"
        } else {
            out += "Trends from \(labels.first ?? "") to \(labels.last ?? ""), one mark a day (blank: no records).\n\n"
            out +=
                "| model | records | p95 latency ms | error share | tokens | last day |\n| --- | --- | --- | --- | --- | --- |\n"
            for model in document.models {
                let days = document.days.map { $0.model(model) }
                let last = days.last(where: { $0 != nil }) ?? nil
                out +=
                    "| \(m(model)) | \(sparkline(days.map { $0.map { Double($0.records) } })) | \(sparkline(days.map { $0?.p95 })) | \(sparkline(days.map { $0?.errorShare })) | \(sparkline(days.map { $0.map { Double($0.tokens) } })) | "
                if let last {
                    out +=
                        "\(last.records) records, p95 \(HTMLReport.ms(last.p95)) ms, errors \(HTMLReport.percent(last.errorShare)), \(last.tokens) tokens |\n"
                } else {
                    out += "- |\n"
                }
            }
            out += "\n"
        }

        out += "## Drift against the reference\n\n"
        if document.drift.isEmpty {
            out += "No drift window was compared (profiling off, or no day after the reference).\n\n"
        } else {
            out += "Statistic over threshold per drift window (1 = threshold).\n\n"
            out += "| model | quantity | statistic | trend | last value | threshold | windows drifted |\n"
            out += "| --- | --- | --- | --- | ---: | ---: | ---: |\n"
            for item in document.drift {
                let last = item.points.last
                out +=
                    "| \(m(item.model)) | \(m(item.subject)) | \(last?.statistic ?? "-") | \(sparkline(item.points.map(\.ratio), ceiling: max(1, item.worstRatio))) | \(last.map { SummaryReport.fixed($0.value, 4) } ?? "-") | \(last.map { SummaryReport.fixed($0.threshold, 4) } ?? "-") | \(item.points.filter(\.drifted).count) of \(item.points.count) |\n"
            }
            out += "\n"
        }

        out += "## Abuse risk\n\n"
        if document.abuse.isEmpty {
            out += "No client or address showed abuse signals.\n\n"
        } else {
            out += "Trend: one mark a day, `·` none, `▁` info, `▃` low, `▅` medium, `▇` high, `█` critical.\n\n"
            out += "| rank | who | risk | trend | events | signals | windows | first seen (UTC) |\n"
            out += "| ---: | --- | --- | --- | --- | --- | ---: | --- |\n"
            let marks: [Character] = ["▁", "▃", "▅", "▇", "█"]
            for (rank, row) in document.abuse.enumerated() {
                let trend = String(row.perDay.map { $0 >= 0 && $0 < marks.count ? marks[$0] : "·" })
                out +=
                    "| \(rank + 1) | \(m(row.entity)) | **\(row.worst)** | \(trend) | \(row.types.joined(separator: ", ")) | \(m(row.signals.joined(separator: ", "))) | \(row.windows) | \(row.firstSeen) |\n"
            }
            out += "\n"
        }

        out += "## Controls\n\n| ISO 27001:2022 | 2013 | check | status | found |\n| --- | --- | --- | --- | --- |\n"
        for row in document.controls {
            out += "| \(row.iso2022) | \(row.iso2013) | `\(row.type)` | \(row.status) | \(m(row.note)) |\n"
        }
        out += "\n"

        out += "## Gateway\n\n"
        let classes = document.days.map(\.gatewayStatusClasses)
        if !classes.contains(where: { $0.reduce(0, +) > 0 }) {
            out += "No gateway access log in the input.\n\n"
        } else {
            out += "| answers | trend | total |\n| --- | --- | ---: |\n"
            for (index, name) in [(2, "2xx"), (3, "3xx"), (4, "4xx"), (5, "5xx")] {
                let values = classes.map { Double($0[index]) }
                out += "| \(name) | \(sparkline(values)) | \(Int(values.reduce(0, +))) |\n"
            }
            out += "\n"
            for (title, rows) in [
                ("Top clients (API keys)", document.gatewayClients), ("Top addresses", document.gatewayAddresses),
                ("Top paths answered 4xx/5xx (without query strings)", document.gatewayFailingPaths),
                ("Top user agents", document.gatewayUserAgents),
            ]
            where !rows.isEmpty {
                out +=
                    "\(title):\n\n| key | requests | 4xx | 5xx | 401/403 | 429 |\n| --- | ---: | ---: | ---: | ---: | ---: |\n"
                for row in rows {
                    out +=
                        "| \(m(row.key)) | \(row.requests) | \(row.clientErrors) | \(row.serverErrors) | \(row.authFailures) | \(row.throttled) |\n"
                }
                out += "\n"
            }
            if !document.probes.isEmpty {
                out +=
                    "Probing addresses:\n\n| address | probes | answered 2xx/3xx | signatures | sample paths and agents |\n"
                out += "| --- | ---: | ---: | --- | --- |\n"
                for row in document.probes {
                    out +=
                        "| \(m(row.key)) | \(row.hits) | \(row.answered) | \(m(row.tags.joined(separator: ", "))) | \(m(row.samples.joined(separator: " · "))) |\n"
                }
                out += "\n"
            }
        }

        out +=
            "## Input accounting\n\n| source | kind | compression | bytes | lines | parsed | rejected | late | lost |\n"
        out += "| --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- |\n"
        for source in document.sources {
            let rejected =
                source.rejectedTotal == 0
                ? "0"
                : "\(source.rejectedTotal) ("
                    + source.rejected.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                    + ")"
            out +=
                "| \(m(source.path)) | \(source.kind) | \(source.compression) | \(SummaryReport.bytes(source.bytesRead)) | \(source.lines) | \(source.parsed) | \(rejected) | \(source.late) | \(m(source.lost ?? "-")) |\n"
        }
        return out
    }

    static func m(_ text: String) -> String { MarkdownText.escape(text) }

    /// Eight-level Unicode sparkline; a missing value is a space. `ceiling` fixes the top (the
    /// drift chart's threshold stays visible); by default it is the largest value.
    public static func sparkline(_ values: [Double?], ceiling: Double? = nil) -> String {
        let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let top = ceiling ?? values.compactMap { $0 }.max() ?? 0
        guard !values.isEmpty else { return "-" }
        return String(
            values.map { value -> Character in
                guard let value, value.isFinite else { return " " }
                guard top > 0 else { return levels[0] }
                let level = Int((min(value, top) / top * Double(levels.count - 1)).rounded())
                return levels[max(0, min(levels.count - 1, level))]
            })
    }
}

/// Escaping for log text in GitHub-flavoured Markdown table cells.
public enum MarkdownText {
    /// Backslash-escapes the Markdown punctuation that can start inline markup in a cell (so
    /// `[x](y)`, `*`, `_`, `~` and backticks stay literal; `(` is harmless once `[` is escaped), writes `|` as `\|` (a cell never splits), `<`, `>` and `&` as entities (GitHub
    /// renders raw HTML tags), and control characters and line breaks as spaces or U+FFFD.
    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\\", "`", "*", "_", "[", "]", "|", "~":
                out += "\\"
                out.unicodeScalars.append(scalar)
            case "\n", "\r", "\t": out += " "
            default:
                let value = scalar.value
                if value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029 {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
