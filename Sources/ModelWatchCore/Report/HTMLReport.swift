/// The report as one self-contained HTML file: inline CSS and SVG charts, no script, no font,
/// image or style sheet from anywhere else, readable at 1280 px and printable on A4. Every string
/// that came from a log (keys, addresses, paths, user agents, model and feature names, messages)
/// goes through `HTMLText.escape`.
public enum HTMLReport {
    /// Drift charts per model, the quantities that came closest to (or passed) their thresholds;
    /// the table under them lists every quantity. Bounds the file on a model with hundreds of
    /// features.
    public static let driftChartsPerModel = 12

    public static func render(_ document: ReportDocument) -> String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        out += "<title>modelwatch report \(e(document.scope))</title><style>\(css)</style></head><body><main>"
        out += header(document)
        out += attention(document)
        out += models(document)
        out += drift(document)
        out += abuse(document)
        out += controls(document)
        out += gateway(document)
        out += accounting(document)
        out +=
            "<footer>Made by modelwatch at \(e(document.generated)). ISO/IEC 27001:2022 control ids lead; the 2013 ids stand beside them.</footer>"
        return out + "</main></body></html>\n"
    }

    static func e(_ text: String) -> String { HTMLText.escape(text) }

    static func header(_ document: ReportDocument) -> String {
        let period =
            document.days.isEmpty
            ? "no dated records" : "\(document.days.first!.day) – \(document.days.last!.day)"
        var counts = [Int](repeating: 0, count: Severity.allCases.count)
        for incident in document.incidents { counts[incident.severityRank] += 1 }
        let newCount = document.incidents.filter { $0.status == .new && $0.severityRank >= Severity.medium.rawValue }
            .count
        let records = document.sources.reduce(0) { $0 + $1.parsed }
        var out = "<header><h1>modelwatch report</h1>"
        out +=
            "<p class=\"scope\">\(e(document.scope)) · data \(e(period)) (\(document.days.count) day\(document.days.count == 1 ? "" : "s")) · generated \(e(document.generated))</p>"
        out += "<div class=\"tiles\">"
        for severity in [Severity.critical, .high, .medium, .low] {
            out +=
                "<div class=\"tile sev-\(severity.name)\"><b>\(counts[severity.rawValue])</b><span>\(severity.name)</span></div>"
        }
        out += "<div class=\"tile\"><b>\(newCount)</b><span>new medium+</span></div>"
        out += "<div class=\"tile\"><b>\(document.sources.count)</b><span>sources</span></div>"
        out += "<div class=\"tile\"><b>\(number(records))</b><span>records</span></div>"
        return out + "</div></header>"
    }

    static func badge(_ severity: String) -> String { "<span class=\"badge sev-\(e(severity))\">\(e(severity))</span>" }

    static func attention(_ document: ReportDocument) -> String {
        var out = "<section><h2>Needs attention tonight</h2>"
        let serious = document.incidents.filter { $0.severityRank >= Severity.medium.rawValue }
        if serious.isEmpty {
            out += "<p class=\"ok\">No incident at medium or above.</p>"
        } else {
            out +=
                "<table><thead><tr><th>severity</th><th>status</th><th>ISO 27001:2022</th><th>2013</th><th>type</th><th>about</th><th>when (UTC)</th><th>what to do</th></tr></thead><tbody>"
            for incident in serious.prefix(ReportFigures.listedIncidents) {
                var status = e(incident.status.rawValue)
                if let first = incident.firstNight, let last = incident.lastNight {
                    status += "<br><small>\(e(first)) → \(e(last))</small>"
                }
                out +=
                    "<tr><td>\(badge(incident.severity))</td><td class=\"st-\(incident.status.rawValue)\">\(status)</td><td>\(e(incident.iso2022))</td><td>\(e(incident.iso2013))</td><td><code>\(e(incident.type))</code>\(incident.count.map { " <small>×\($0)</small>" } ?? "")</td><td class=\"wrap\">\(e(incident.entity))</td><td><small>\(e(incident.start))<br>\(e(incident.end))</small></td><td class=\"msg\">\(e(incident.message))</td></tr>"
            }
            out += "</tbody></table>"
            if serious.count > ReportFigures.listedIncidents {
                out +=
                    "<p>\(serious.count - ReportFigures.listedIncidents) more incidents at medium or above are in the events file.</p>"
            }
        }
        let minor = document.incidents.filter { $0.severityRank < Severity.medium.rawValue }
        if !minor.isEmpty {
            out +=
                "<h3>Lower-severity events, grouped</h3><table><thead><tr><th>severity</th><th>ISO 27001:2022</th><th>2013</th><th>type</th><th>events</th><th>new</th><th>example</th></tr></thead><tbody>"
            for group in groups(minor) {
                out +=
                    "<tr><td>\(badge(group.first.severity))</td><td>\(e(group.first.iso2022))</td><td>\(e(group.first.iso2013))</td><td><code>\(e(group.first.type))</code></td><td class=\"num\">\(group.count)</td><td class=\"num\">\(group.new)</td><td class=\"msg\">\(e(group.first.message))</td></tr>"
            }
            out += "</tbody></table>"
        }
        return out + "</section>"
    }

    /// Incidents of one type and severity, with how many are new and the first as an example.
    struct IncidentGroup {
        var first: ReportIncident
        var count: Int
        var new: Int
    }

    static func groups(_ incidents: [ReportIncident]) -> [IncidentGroup] {
        var groups: [IncidentGroup] = []
        var index: [String: Int] = [:]
        for incident in incidents {
            let key = incident.severity + "|" + incident.type
            if let position = index[key] {
                groups[position].count += 1
                if incident.status == .new { groups[position].new += 1 }
            } else {
                index[key] = groups.count
                groups.append(IncidentGroup(first: incident, count: 1, new: incident.status == .new ? 1 : 0))
            }
        }
        return groups
    }

    static func models(_ document: ReportDocument) -> String {
        let labels = document.days.map(\.day)
        var out = "<section><h2>Models, day by day</h2>"
        let names = document.models
        if names.isEmpty { return out + "<p>No inference records.</p></section>" }
        for model in names {
            let days = document.days.map { $0.model(model) }
            out += "<h3>\(e(model))</h3><div class=\"charts\">"
            out += figure(
                "records",
                SVGChart.series(
                    title: "\(model): records per day", labels: labels,
                    values: days.map { $0.map { Double($0.records) } },
                    style: .bars, format: number))
            out += figure(
                "p95 latency (ms)",
                SVGChart.series(
                    title: "\(model): p95 latency per day", labels: labels, values: days.map { $0?.p95 }, style: .line,
                    format: { SummaryReport.fixed($0, 1) }))
            out += figure(
                "error share (5xx and 429)",
                SVGChart.series(
                    title: "\(model): error share per day", labels: labels, values: days.map { $0?.errorShare },
                    style: .line, format: percent))
            out += figure(
                "tokens (prompt + completion)",
                SVGChart.series(
                    title: "\(model): tokens per day", labels: labels,
                    values: days.map { $0.map { Double($0.tokens) } },
                    style: .bars, format: number))
            out += "</div>"
        }
        out +=
            "<table><thead><tr><th>day</th><th>model</th><th>records</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>errors</th><th>tokens</th></tr></thead><tbody>"
        for day in document.days.reversed() {
            for row in day.models {
                out +=
                    "<tr><td>\(e(day.day))</td><td>\(e(row.model))</td><td class=\"num\">\(number(Double(row.records)))</td><td class=\"num\">\(ms(row.p50))</td><td class=\"num\">\(ms(row.p95))</td><td class=\"num\">\(ms(row.p99))</td><td class=\"num\">\(percent(row.errorShare))</td><td class=\"num\">\(number(Double(row.tokens)))</td></tr>"
            }
        }
        return out + "</tbody></table></section>"
    }

    static func figure(_ caption: String, _ svg: String) -> String {
        "<figure>\(svg)<figcaption>\(e(caption))</figcaption></figure>"
    }

    static func drift(_ document: ReportDocument) -> String {
        var out = "<section><h2>Drift against the reference</h2>"
        if document.drift.isEmpty {
            return out + "<p>No drift window was compared (profiling off, or no day after the reference).</p></section>"
        }
        out +=
            "<p class=\"note\">Each chart is one quantity's statistic per drift window divided by its threshold: above the dashed line (1) it drifted.</p>"
        for model in Array(Set(document.drift.map(\.model))).sorted() {
            let series = document.drift.filter { $0.model == model }
            out += "<h3>\(e(model))</h3><div class=\"charts small\">"
            for item in series.sorted(by: { ($0.worstRatio, $1.subject) > ($1.worstRatio, $0.subject) }).prefix(
                driftChartsPerModel)
            {
                let byDay = Dictionary(item.points.map { ($0.day, $0.ratio) }, uniquingKeysWith: max)
                let labels = document.days.map(\.day).filter { byDay[$0] != nil }
                out += figure(
                    "\(item.subject) (\(item.points.last?.statistic ?? ""))",
                    SVGChart.series(
                        title: "\(model) \(item.subject): statistic over threshold per window",
                        labels: labels.isEmpty ? item.points.map(\.day) : labels,
                        values: labels.isEmpty ? item.points.map(\.ratio) : labels.map { byDay[$0] }, style: .line,
                        threshold: 1, format: { SummaryReport.fixed($0, 2) }))
            }
            out += "</div>"
            out +=
                "<table><thead><tr><th>quantity</th><th>kind</th><th>statistic</th><th>last value</th><th>threshold</th><th>windows drifted</th></tr></thead><tbody>"
            for item in series {
                let last = item.points.last
                let drifted = item.points.filter(\.drifted).count
                out +=
                    "<tr><td>\(e(item.subject))</td><td>\(e(item.kind))</td><td>\(e(last?.statistic ?? "-"))</td><td class=\"num\">\(last.map { SummaryReport.fixed($0.value, 4) } ?? "-")</td><td class=\"num\">\(last.map { SummaryReport.fixed($0.threshold, 4) } ?? "-")</td><td class=\"num\(drifted > 0 ? " hot" : "")\">\(drifted) of \(item.points.count)</td></tr>"
            }
            out += "</tbody></table>"
        }
        return out + "</section>"
    }

    static func abuse(_ document: ReportDocument) -> String {
        var out = "<section><h2>Abuse risk</h2>"
        if document.abuse.isEmpty {
            return out + "<p class=\"ok\">No client or address showed abuse signals.</p></section>"
        }
        out +=
            "<table><thead><tr><th>rank</th><th>who</th><th>risk</th><th>trend (one mark a day)</th><th>events</th><th>signals</th><th>windows</th><th>first seen (UTC)</th></tr></thead><tbody>"
        for (rank, row) in document.abuse.enumerated() {
            var trend = "<span class=\"trend\">"
            for (index, level) in row.perDay.enumerated() {
                let name = level >= 0 ? Severity(rawValue: level)?.name ?? "info" : "none"
                let day = index < document.days.count ? document.days[index].day : ""
                trend += "<i class=\"sev-\(name)\" title=\"\(e(day)): \(name)\"></i>"
            }
            trend += "</span>"
            out +=
                "<tr><td class=\"num\">\(rank + 1)</td><td class=\"wrap\">\(e(row.entity))</td><td>\(badge(row.worst))</td><td>\(trend)</td><td>\(e(row.types.joined(separator: ", ")))</td><td class=\"wrap\">\(e(row.signals.joined(separator: ", ")))</td><td class=\"num\">\(row.windows)</td><td><small>\(e(row.firstSeen))</small></td></tr>"
        }
        return out + "</tbody></table></section>"
    }

    static func controls(_ document: ReportDocument) -> String {
        var out =
            "<section><h2>Controls</h2><table><thead><tr><th>ISO 27001:2022</th><th>2013</th><th>check</th><th>status</th><th>found</th></tr></thead><tbody>"
        for row in document.controls {
            let cls = row.status == "checked" ? (row.events > 0 ? "found" : "clean") : "unchecked"
            out +=
                "<tr><td>\(e(row.iso2022))</td><td>\(e(row.iso2013))</td><td><code>\(e(row.type))</code></td><td class=\"\(cls)\">\(e(row.status))</td><td>\(row.worst.map(badge) ?? "")\(e(row.note))</td></tr>"
        }
        return out + "</tbody></table></section>"
    }

    static func gateway(_ document: ReportDocument) -> String {
        var out = "<section><h2>Gateway</h2>"
        let classes = document.days.map(\.gatewayStatusClasses)
        guard classes.contains(where: { $0.reduce(0, +) > 0 }) else {
            return out + "<p>No gateway access log in the input.</p></section>"
        }
        out +=
            "<div class=\"charts\">"
            + figure(
                "answers per day by status class",
                SVGChart.statusClasses(
                    title: "gateway answers per day by status class", labels: document.days.map(\.day), classes: classes
                ))
        out +=
            "<div class=\"legend\"><i class=\"s2xx\"></i>2xx <i class=\"s3xx\"></i>3xx <i class=\"sother\"></i>other <i class=\"s4xx\"></i>4xx <i class=\"s5xx\"></i>5xx</div></div>"
        for (title, rows) in [
            ("Top clients (API keys)", document.gatewayClients), ("Top addresses", document.gatewayAddresses),
            ("Top paths answered 4xx/5xx (without query strings)", document.gatewayFailingPaths),
            ("Top user agents", document.gatewayUserAgents),
        ]
        where !rows.isEmpty {
            out +=
                "<h3>\(title)</h3><table><thead><tr><th>key</th><th>requests</th><th>4xx</th><th>5xx</th><th>401/403</th><th>429</th></tr></thead><tbody>"
            for row in rows {
                out +=
                    "<tr><td class=\"wrap\">\(e(row.key))</td><td class=\"num\">\(row.requests)</td><td class=\"num\">\(row.clientErrors)</td><td class=\"num\">\(row.serverErrors)</td><td class=\"num\">\(row.authFailures)</td><td class=\"num\">\(row.throttled)</td></tr>"
            }
            out += "</tbody></table>"
        }
        if !document.probes.isEmpty {
            out +=
                "<h3>Probing addresses (paths and user agents they sent)</h3><table><thead><tr><th>address</th><th>probes</th><th>answered 2xx/3xx</th><th>signatures</th><th>sample paths and agents</th></tr></thead><tbody>"
            for row in document.probes {
                out +=
                    "<tr><td>\(e(row.key))</td><td class=\"num\">\(row.hits)</td><td class=\"num\(row.answered > 0 ? " hot" : "")\">\(row.answered)</td><td class=\"wrap\">\(e(row.tags.joined(separator: ", ")))</td><td class=\"wrap\">\(row.samples.map { "<code>\(e($0))</code>" }.joined(separator: " "))</td></tr>"
            }
            out += "</tbody></table>"
        }
        return out + "</section>"
    }

    static func accounting(_ document: ReportDocument) -> String {
        var out =
            "<section><h2>Input accounting</h2><table><thead><tr><th>source</th><th>kind</th><th>compression</th><th>bytes</th><th>lines</th><th>parsed</th><th>rejected</th><th>late</th><th>lost</th><th>time range (UTC)</th></tr></thead><tbody>"
        for source in document.sources {
            let rejected =
                source.rejectedTotal == 0
                ? "0"
                : "\(source.rejectedTotal)<br><small>"
                    + source.rejected.sorted { $0.key < $1.key }.map { "\($0.value) \(e($0.key))" }.joined(
                        separator: ", ") + "</small>"
            out +=
                "<tr><td class=\"wrap\">\(e(source.path))</td><td>\(e(source.kind))</td><td>\(e(source.compression))</td><td class=\"num\">\(SummaryReport.bytes(source.bytesRead))</td><td class=\"num\">\(source.lines)</td><td class=\"num\">\(source.parsed)</td><td class=\"num\(source.rejectedTotal > 0 ? " hot" : "")\">\(rejected)</td><td class=\"num\">\(source.late)</td><td class=\"\(source.lost == nil ? "" : "hot")\">\(e(source.lost ?? "-"))</td><td><small>\(e(source.start ?? "-"))<br>\(e(source.end ?? ""))</small></td></tr>"
        }
        return out + "</tbody></table></section>"
    }

    static func number(_ value: Double) -> String {
        if value >= 1e6 { return SummaryReport.fixed(value / 1e6, 1) + "M" }
        if value >= 1e4 { return SummaryReport.fixed(value / 1e3, 1) + "k" }
        return SummaryReport.fixed(value, 0)
    }

    static func number(_ value: Int) -> String { number(Double(value)) }
    static func percent(_ value: Double) -> String { SummaryReport.fixed(value * 100, 2) + "%" }
    static func ms(_ value: Double?) -> String { value.map { SummaryReport.fixed($0, 1) } ?? "-" }

    /// System fonts only (nothing fetched); one column of at most 1240 px; A4 pages in print.
    static let css = """
        :root{--ink:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#f6f7f9;--accent:#2f5d9e}
        *{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
        main{max-width:1240px;margin:0 auto;padding:24px 28px;background:#fff}
        h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--accent)}
        h3{font-size:15px;margin:18px 0 8px}.scope,.note,footer{color:var(--muted)}footer{margin-top:32px;font-size:12px}
        .tiles{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}.tile{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:96px}
        .tile b{display:block;font-size:22px}.tile span{color:var(--muted);font-size:12px}
        table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}
        th,td{border-bottom:1px solid var(--line);padding:5px 7px;text-align:left;vertical-align:top}
        th{background:#eef1f6;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        td.wrap,td.msg{overflow-wrap:anywhere}td.msg{max-width:420px}code{font:12px ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
        .badge{display:inline-block;border-radius:3px;padding:0 6px;margin-right:4px;font-size:12px;font-weight:600;color:#fff;background:#7a8190}
        .badge.sev-critical{background:#7b1020}.badge.sev-high{background:#c0392b}.badge.sev-medium{background:#d68910}.badge.sev-low{background:#2e86c1}.badge.sev-info{background:#7a8190}
        .tile.sev-critical b{color:#7b1020}.tile.sev-high b{color:#c0392b}.tile.sev-medium b{color:#d68910}.tile.sev-low b{color:#2e86c1}
        .st-new{font-weight:600;color:#c0392b}.st-resolved{color:var(--muted)}.hot{color:#c0392b;font-weight:600}.ok,.clean{color:#1e8449}.found{color:#c0392b}.unchecked{color:var(--muted)}
        .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:12px}.charts.small{grid-template-columns:repeat(auto-fill,minmax(220px,1fr))}
        figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:6px}figcaption{font-size:12px;color:var(--muted);text-align:center;overflow-wrap:anywhere}
        svg.chart{width:100%;height:auto;display:block}.axis{stroke:#9aa3b2;stroke-width:1}.tick{font-size:9px;fill:var(--muted)}
        .line{fill:none;stroke:var(--accent);stroke-width:1.8}.dot{fill:var(--accent)}.bar{fill:#7fa3d1}.hot.dot,.hot.bar{fill:#c0392b}
        .threshold{stroke:#c0392b;stroke-width:1;stroke-dasharray:4 3}
        .s2xx{fill:#6aa84f;background:#6aa84f}.s3xx{fill:#9fc5e8;background:#9fc5e8}.sother{fill:#b7b7b7;background:#b7b7b7}.s4xx{fill:#f1c232;background:#f1c232}.s5xx{fill:#cc0000;background:#cc0000}
        .legend{font-size:12px;color:var(--muted);align-self:center}.legend i{display:inline-block;width:10px;height:10px;margin:0 3px 0 8px}
        .trend{display:inline-flex;gap:2px}.trend i{display:inline-block;width:7px;height:14px;background:#e3e6ec}
        .trend i.sev-info{background:#aab1bd}.trend i.sev-low{background:#2e86c1}.trend i.sev-medium{background:#d68910}.trend i.sev-high{background:#c0392b}.trend i.sev-critical{background:#7b1020}
        @media print{@page{size:A4;margin:12mm}body{background:#fff;font-size:11px}main{max-width:none;padding:0}
        section,figure,tr{break-inside:avoid}h2{break-after:avoid}.charts{grid-template-columns:repeat(3,1fr)}
        .badge,.trend i,.s2xx,.s3xx,.sother,.s4xx,.s5xx{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
        """
}
