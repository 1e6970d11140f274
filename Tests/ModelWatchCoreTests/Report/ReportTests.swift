import Foundation
import Testing

@testable import ModelWatchCore

/// The HTML and Markdown reports over a real analysis of a fixture whose keys, paths and user
/// agents are hostile markup, and the atomic writer they go through.
@Suite struct ReportTests {
    static let hostilePath = "/<script>alert(1)</script>/.env"
    static let hostileKey = "<svg/onload=alert(2)>"
    static let hostileAgent = "sqlmap/1.7 <img src=x onerror=alert(3)>"

    /// Three days of inference records for two models, and a gateway log with a scanner whose
    /// path, key and agent are markup.
    static func fixture() throws -> URL {
        let folder = try TestSupport.temporaryDirectory()
        var inference = ""
        let start: Int64 = 1_763_337_600_000  // 2025-11-17T00:00:00Z
        for day in 0..<3 {
            for index in 0..<400 {
                let millis = start + Int64(day) * 86_400_000 + Int64(index) * 200_000
                let stamp = TimestampParser.formatRFC3339(millis: millis)
                let model = index % 2 == 0 ? "fraud-scorer" : "chat-llm"
                let status = index % 50 == 0 ? 503 : 200
                inference +=
                    "{\"ts\":\"\(stamp)\",\"model\":\"\(model)\",\"model_version\":\"1.0\",\"client\":\"k-\(index % 7)\",\"host\":\"inf-1\",\"latency_ms\":\(10 + index % 30 + day * 5),\"status\":\(status),\"prompt_tokens\":\(20 + day),\"completion_tokens\":5,\"features\":{\"amount\":\(Double(index % 40) + Double(day) * 3),\"country\":\"\(index % 3 == 0 ? "DE" : "FR")\"},\"prediction\":\"legit\",\"score\":0.9}\n"
            }
        }
        try Data(inference.utf8).write(to: folder.appendingPathComponent("inference.jsonl"))
        var access = ""
        for index in 0..<300 {
            let millis = start + Int64(index) * 800_000
            let stamp = accessStamp(millis)
            access +=
                "10.0.0.\(index % 9) - k-\(index % 7) [\(stamp)] \"POST /v1/predict HTTP/1.1\" \(index % 40 == 0 ? 404 : 200) 120 \"-\" \"python-requests/2.31\"\n"
        }
        for index in 0..<6 {
            let stamp = accessStamp(start + 86_400_000 + Int64(index) * 1000)
            access +=
                "45.9.20.7 - \(hostileKey) [\(stamp)] \"GET \(hostilePath)?\(index) HTTP/1.1\" 404 0 \"-\" \"\(hostileAgent)\"\n"
        }
        try Data(access.utf8).write(to: folder.appendingPathComponent("access.log"))
        return folder
    }

    static func accessStamp(_ millis: Int64) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let iso = TimestampParser.formatRFC3339(millis: millis)  // 2025-11-17T00:00:00Z
        let parts = iso.split(whereSeparator: { "-T:Z.".contains($0) })
        return "\(parts[2])/\(months[Int(parts[1])! - 1])/\(parts[0]):\(parts[3]):\(parts[4]):\(parts[5]) +0000"
    }

    static func document() throws -> ReportDocument {
        let folder = try fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        var options = AnalysisOptions(threads: 2)
        options.futureLimitMillis = .max
        let analysis = Analysis(configuration: AnalysisConfiguration(options: options))
        let summary = analysis.read(try InputDiscovery.expand([folder.path]))
        let result = analysis.evaluate(summary)
        return ReportFigures.document(summary: summary, result: result, scope: "test run", generatedMillis: 0)
    }

    @Test func figuresFollowTheInputDayByDay() throws {
        let document = try Self.document()
        #expect(document.days.map(\.day) == ["2025-11-17", "2025-11-18", "2025-11-19"])
        #expect(document.models == ["chat-llm", "fraud-scorer"])
        for day in document.days {
            // 400 records a day split evenly between the two models; every 50th is a 503.
            #expect(day.model("fraud-scorer")?.records == 200)
            #expect(day.model("chat-llm")?.records == 200)
            #expect(day.model("fraud-scorer").map { abs($0.errorShare - 8.0 / 200) < 1e-9 } == true)
        }
        #expect(document.days[0].gatewayStatusClasses[2] + document.days[0].gatewayStatusClasses[4] > 0)
        #expect(document.days.reduce(0) { $0 + $1.gatewayStatusClasses.reduce(0, +) } == 306)
        #expect(document.days[1].model("chat-llm")?.tokens == 200 * (21 + 5))
        let sources = document.sources.sorted { $0.path < $1.path }
        #expect(sources.map(\.lines) == [306, 1200])
        #expect(document.controls.count == EventType.allCases.count)
        #expect(document.probes.contains { $0.key == "45.9.20.7" && $0.hits == 6 })
    }

    @Test func htmlEscapesLogTextAndLoadsNothingFromOutside() throws {
        let html = HTMLReport.render(try Self.document())
        // Hostile text shows as text: the key appears escaped, never as markup.
        #expect(!html.contains("<script"))
        #expect(!html.contains("<svg/onload"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;svg/onload=alert(2)&gt;"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        // No external resource: no links, sources, imports or url() at all. Attributes are
        // looked for in the markup only: escaped log text (the scanner's agent says `src=x`)
        // is text, not an attribute.
        var tags = ""
        var inTag = false
        for character in html {
            if character == "<" { inTag = true }
            if inTag { tags.append(character) }
            if character == ">" { inTag = false }
        }
        for needle in ["src=", "href="] { #expect(!tags.contains(needle), "found \(needle) in a tag") }
        for needle in ["@import", "url(", "http://", "https://", "<link", "<iframe", "<object"] {
            #expect(!html.contains(needle), "found \(needle)")
        }
        let charts = html.components(separatedBy: "<svg class=\"chart\"").count - 1
        // Four per model (two models) and the gateway's status classes at least.
        #expect(charts >= 9)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("@page{size:A4"))
        // Every day appears on the trend charts' axes.
        for day in ["2025-11-17", "2025-11-18", "2025-11-19"] { #expect(html.contains(day)) }
    }

    @Test func markdownHasEveryControlAndEscapesLogText() throws {
        let markdown = MarkdownReport.render(try Self.document())
        #expect(markdown.contains("## Controls"))
        for type in EventType.allCases { #expect(markdown.contains("| `\(type.rawValue)` |")) }
        #expect(!markdown.contains("<svg"))
        #expect(!markdown.contains("<script"))
        #expect(
            markdown.contains("&lt;svg/onload=alert\\(2\\)&gt;") || markdown.contains("&lt;svg/onload=alert(2)&gt;"))
        // Every row of a table has as many cells as its header: no log text split a row.
        var columns: Int?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else {
                columns = nil
                continue
            }
            let cells = Self.cellCount(line)
            if let columns { #expect(cells == columns, "\(line)") } else { columns = cells }
        }
        #expect(markdown.contains("▁") || markdown.contains("█"))
    }

    /// Cells of a Markdown table row, not counting escaped bars.
    static func cellCount(_ line: Substring) -> Int {
        var count = 0
        var previous: Character = " "
        for character in line {
            if character == "|" && previous != "\\" { count += 1 }
            previous = character
        }
        return count - 1
    }

    @Test func markdownRowsKeepTheirColumnsWhateverTheLogText() {
        let hostile = "a|b\\|c\n| x | `y` *z* [l](http://e) <b>"
        let escaped = MarkdownText.escape(hostile)
        #expect(!escaped.contains("\n"))
        #expect(Self.cellCount(Substring("| \(escaped) |")) == 1)
        #expect(!escaped.contains("<b>"))
        #expect(!escaped.contains("[l]"))
    }

    @Test func htmlEscapeCoversEveryMarkupCharacterAndControls() {
        #expect(
            HTMLText.escape("<a href='x' title=\"y\">&</a>")
                == "&lt;a href=&#39;x&#39; title=&quot;y&quot;&gt;&amp;&lt;/a&gt;")
        #expect(HTMLText.escape("a\u{1B}[31mb\u{0}c\u{2028}") == "a\u{FFFD}[31mb\u{FFFD}c\u{FFFD}")
        #expect(HTMLText.escape("plain – text") == "plain – text")
    }

    @Test func sparklinesScaleToTheirLargestValue() {
        #expect(MarkdownReport.sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█")
        #expect(MarkdownReport.sparkline([1, nil, 1]) == "█ █")
        #expect(MarkdownReport.sparkline([0.5, 2], ceiling: 1) == "▅█")
    }

    @Test func analyzeWritesTheReportAndExitsThreeWhenItCannot() throws {
        let folder = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = folder.appendingPathComponent("out/report.html")
        try FileManager.default.createDirectory(
            at: html.deletingLastPathComponent(), withIntermediateDirectories: true)
        let inputs = [
            folder.appendingPathComponent("inference.jsonl").path, folder.appendingPathComponent("access.log").path,
        ]
        let run = try CommandLineTests.run(["analyze"] + inputs + ["--report", html.path, "--no-progress"])
        #expect(run.status == 0, "\(run.standardError)")
        let text = try String(contentsOf: html, encoding: .utf8)
        #expect(text.contains("<h2>Controls</h2>"))
        let markdown = folder.appendingPathComponent("out/report.md")
        #expect(
            try CommandLineTests.run(["analyze"] + inputs + ["--report", markdown.path, "--no-progress"]).status == 0)
        #expect(try String(contentsOf: markdown, encoding: .utf8).contains("## Controls"))
        let failed = try CommandLineTests.run(
            ["analyze"] + inputs + ["--report", folder.appendingPathComponent("nowhere/r.html").path, "--no-progress"])
        #expect(failed.status == 3)
        #expect(failed.standardError.contains("nowhere/r.html"))
        #expect(failed.standardError.contains("No such file or directory"))
    }
}
