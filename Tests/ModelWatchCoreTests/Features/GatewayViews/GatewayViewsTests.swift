import Foundation
import Testing

@testable import ModelWatchCore

/// The report's gateway views: the paths answered 4xx/5xx most and the busiest user agents,
/// counted exactly while they fit, the same whatever the chunking and thread count, kept
/// through a saved state, and shown escaped in both reports.
@Suite struct GatewayViewsTests {
    /// `count` combined-log lines, each with its path, status and agent chosen by `line(index)`.
    static func accessLog(_ count: Int, _ line: (Int) -> (path: String, status: Int, agent: String)) -> String {
        var text = ""
        for index in 0..<count {
            let (path, status, agent) = line(index)
            let stamp = ReportTests.accessStamp(1_763_337_600_000 + Int64(index) * 1000)
            text += "10.0.0.\(index % 5) - - [\(stamp)] \"GET \(path) HTTP/1.1\" \(status) 10 \"-\" \"\(agent)\"\n"
        }
        return text
    }

    static func read(_ text: String, threads: Int, chunkSize: Int) throws -> AnalysisSummary {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("access.log")
        try Data(text.utf8).write(to: file)
        var options = AnalysisOptions(threads: threads)
        options.chunkSize = chunkSize
        options.futureLimitMillis = .max
        return Analysis(configuration: AnalysisConfiguration(options: options)).read([
            InputSource(path: file.path, size: nil)
        ])
    }

    static func rows(_ table: HeavyHitters) -> [String] {
        table.entries.map { "\($0.key) \($0.count) \($0.activity.clientErrors) \($0.activity.serverErrors)" }
    }

    /// An oracle count of the same log against the tables, at several chunk sizes and thread
    /// counts (every split must give the same rows).
    @Test func countsMatchAnOracleAtEveryChunkSizeAndThreadCount() throws {
        let paths = ["/v1/predict", "/admin/login", "/.env", "/wp-login.php", "/v1/embed"]
        let agents = ["python-requests/2.31", "curl/8.5.0", "-", "Mozilla/5.0 (X11; Linux x86_64)", "sqlmap/1.7"]
        let statuses = [200, 404, 503, 200, 401, 429, 500, 301]
        let text = Self.accessLog(2_000) { index in
            (
                "\(paths[(index * 7) % paths.count])?q=\(index)", statuses[index % statuses.count],
                agents[index % agents.count]
            )
        }
        var failing: [String: (Int, Int, Int)] = [:]
        var byAgent: [String: (Int, Int, Int)] = [:]
        for index in 0..<2_000 {
            let status = statuses[index % statuses.count]
            let agent = agents[index % agents.count]
            if status >= 400 {
                var row = failing[paths[(index * 7) % paths.count], default: (0, 0, 0)]
                row.0 += 1
                if status < 500 { row.1 += 1 } else { row.2 += 1 }
                failing[paths[(index * 7) % paths.count]] = row
            }
            if agent != "-" {
                var row = byAgent[agent, default: (0, 0, 0)]
                row.0 += 1
                if (400..<500).contains(status) { row.1 += 1 }
                if status >= 500 { row.2 += 1 }
                byAgent[agent] = row
            }
        }
        func expected(_ counts: [String: (Int, Int, Int)]) -> [String] {
            counts.sorted { $0.value.0 != $1.value.0 ? $0.value.0 > $1.value.0 : $0.key < $1.key }.map {
                "\($0.key) \($0.value.0) \($0.value.1) \($0.value.2)"
            }
        }
        for (threads, chunkSize) in [(1, 1 << 20), (2, 4096), (3, 257), (7, 1000)] {
            let summary = try Self.read(text, threads: threads, chunkSize: chunkSize)
            #expect(Self.rows(summary.gatewayViews.failingPaths) == expected(failing), "threads \(threads)")
            #expect(Self.rows(summary.gatewayViews.userAgents) == expected(byAgent), "threads \(threads)")
        }
    }

    /// A scanner that sends a different megabyte of path each time cannot grow the tables past
    /// their bound, and a cut key never ends inside a UTF-8 character.
    @Test func hostileKeysAreBoundedAndCutAtCharacterBoundaries() throws {
        let long = "/" + String(repeating: "é", count: 300)
        let text = Self.accessLog(3_000) { index in ("\(long)\(index)", 404, "agent-\(index)-" + long) }
        let summary = try Self.read(text, threads: 2, chunkSize: 1 << 16)
        for table in [summary.gatewayViews.failingPaths, summary.gatewayViews.userAgents] {
            let entries = table.entries
            #expect(entries.count <= GatewayViewTables.capacity)
            #expect(table.total == 3_000)
            for entry in entries {
                #expect(entry.key.utf8.count <= GatewayViewTables.keyLimit)
                #expect(!entry.key.contains("\u{FFFD}"), "a key was cut inside a character")
            }
        }
        // Every long path shares its first 256 bytes: one row holds all 3,000.
        #expect(summary.gatewayViews.failingPaths.entries.first?.count == 3_000)
    }

    /// The tables travel in the saved state, and two halves merged give the whole.
    @Test func theViewsSurviveASavedStateAndMerge() throws {
        let text = Self.accessLog(600) { index in
            (["/a", "/b", "/c"][index % 3], index % 4 == 0 ? 404 : 200, ["ua-1", "ua-2"][index % 2])
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let firstHalf = lines.prefix(300).joined(separator: "\n") + "\n"
        let secondHalf = lines.dropFirst(300).joined(separator: "\n")
        let whole = try Self.read(text, threads: 1, chunkSize: 1 << 20)
        var merged = try Self.read(firstHalf, threads: 1, chunkSize: 1 << 20)
        merged.merge(try Self.read(secondHalf, threads: 1, chunkSize: 1 << 20))
        let state = AnalysisState(
            summary: merged, identities: [nil], profileWindowMillis: nil,
            windowBudget: AnalysisOptions.defaultWindowBudget, createdMillis: 0)
        let decoded = try StateFile.decode(StateFile.encode(state))
        #expect(Self.rows(decoded.summary.gatewayViews.failingPaths) == Self.rows(whole.gatewayViews.failingPaths))
        #expect(Self.rows(decoded.summary.gatewayViews.userAgents) == Self.rows(whole.gatewayViews.userAgents))
        #expect(Self.rows(whole.gatewayViews.failingPaths) == ["/a 50 50 0", "/b 50 50 0", "/c 50 50 0"])
    }

    /// The report fixture's scanner: its markup path (six query strings, one row) and agent are
    /// listed, and shown as text in HTML and Markdown.
    @Test func reportsListTheViewsEscaped() throws {
        let document = try ReportTests.document()
        #expect(
            document.gatewayFailingPaths.map { "\($0.key) \($0.requests)" } == [
                "/v1/predict 8", "\(ReportTests.hostilePath) 6",
            ])
        #expect(
            document.gatewayUserAgents.map { "\($0.key) \($0.requests)" } == [
                "python-requests/2.31 300", "\(ReportTests.hostileAgent) 6",
            ])
        let html = HTMLReport.render(document)
        #expect(html.contains("Top paths answered 4xx/5xx"))
        #expect(html.contains("Top user agents"))
        #expect(html.contains("sqlmap/1.7 &lt;img src=x onerror=alert(3)&gt;"))
        #expect(!html.contains("<img"))
        let markdown = MarkdownReport.render(document)
        #expect(markdown.contains("Top user agents"))
        #expect(markdown.contains("python-requests/2.31"))
        #expect(!markdown.contains("<img"))
    }
}
