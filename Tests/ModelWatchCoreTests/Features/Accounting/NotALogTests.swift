import Foundation
import Testing

@testable import ModelWatchCore

/// A file in which nothing parses (a pretty-printed JSON manifest, a README) is listed as skipped
/// and raises no integrity event; a log that turns to garbage part-way stays an incident.
@Suite struct NotALogTests {
    static let base: Int64 = 1_794_873_600_000

    static func logLines(_ count: Int) -> [String] {
        (0..<count).map { #"{"ts":\#(base + Int64($0) * 1_000),"model":"m","host":"h1","latency_ms":10,"status":200}"# }
    }

    static let manifest = """
        {
          "name": "fraud-scorer",
          "versions": [
            {"version": "3.2.1", "approved": "2026-11-01"},
            {"version": "3.2.2", "approved": "2026-11-20"}
          ],
          "owner": "ml-platform"
        }
        """

    @Test(arguments: [64, 4_096, 1 << 20])
    func aManifestIsSkippedAndAGarbledLogIsNot(chunkSize: Int) throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(Self.manifest.utf8).write(to: folder.appendingPathComponent("manifest.json"))
        try Data("# Logs of the fraud scorer\n\nRotated nightly; see the runbook.\n".utf8).write(
            to: folder.appendingPathComponent("README.txt"))
        // A real log whose second half was overwritten with binary junk.
        var garbled = Self.logLines(400)
        for index in 200..<400 { garbled[index] = String(repeating: "\u{1}\u{7F}x", count: 20) }
        try Data((garbled.joined(separator: "\n") + "\n").utf8).write(
            to: folder.appendingPathComponent("garbled.jsonl"))
        try Data((Self.logLines(400).joined(separator: "\n") + "\n").utf8).write(
            to: folder.appendingPathComponent("clean.jsonl"))

        let summary = try TestSupport.analyze([folder.path]) { $0.chunkSize = chunkSize }
        let byName = Dictionary(
            uniqueKeysWithValues: summary.sources.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0) })
        let manifest = try #require(byName["manifest.json"])
        #expect(manifest.reportedKind == "skipped")
        // A pretty-printed JSON document is read as one record (LiteLLM writes one object per
        // file); it parses as no known kind, so it is rejected whole and the file is skipped.
        #expect(manifest.lines >= 1)
        #expect(manifest.rejectedTotal == manifest.lines)
        #expect(manifest.skipReason?.contains("not a log") == true)
        #expect(byName["README.txt"]?.reportedKind == "skipped")
        #expect(byName["garbled.jsonl"]?.skipReason == nil)
        #expect(byName["clean.jsonl"]?.reportedKind == "inference")

        let events = IntegrityDetector().events(for: summary)
        #expect(events.allSatisfy { $0.entity.source?.hasSuffix("garbled.jsonl") == true })
        let garbledEvent = try #require(events.first { $0.subtype == "rejected_lines" })
        #expect(garbledEvent.severity == .high)
        #expect(garbledEvent.evidence.contains { $0.0 == "rejected" && $0.1 == .integer(200) })

        let report = SummaryReport().renderSources(summary)
        #expect(report.contains("manifest.json: skipped, not a log"))
    }
}
