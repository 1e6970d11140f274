import Foundation
import Testing

@testable import ModelWatchCore

/// End-to-end runs of the batch pipeline over small fixtures written by the tests.
@Suite struct PipelineTests {
    static func inferenceLine(_ index: Int, model: String = "fraud-scorer", host: String = "inf-1") -> String {
        let minute = index % 60
        let second = index % 60
        return
            #"{"ts":"2026-11-17T10:\#(String(format: "%02d", minute)):\#(String(format: "%02d", second)).000Z","request_id":"r\#(index)","model":"\#(model)","model_version":"1.0","client":"k-\#(index % 7)","ip":"10.0.0.\#(index % 5)","host":"\#(host)","latency_ms":\#(10 + index % 90),"status":\#(index % 50 == 0 ? 503 : 200),"features":{"amount":\#(index),"country":"SA"},"prediction":"legit","score":0.9}"#
    }

    /// Writes a corpus of awkward inputs and returns its folder.
    static func writeRobustnessCorpus() throws -> URL {
        let folder = try TestSupport.temporaryDirectory()
        func write(_ name: String, _ data: Data) throws { try data.write(to: folder.appendingPathComponent(name)) }
        let good = (0..<2000).map { inferenceLine($0) }.joined(separator: "\n") + "\n"
        let compressed = try TestSupport.gzip(Data(good.utf8))
        try write("a-truncated.jsonl.gz", compressed.prefix(compressed.count * 2 / 3))
        try write("b-garbage-after.jsonl.gz", compressed + Data("this is not gzip\n".utf8))
        var generator = SplitMix64(seed: 99)
        try write("c-random.bin", Data((0..<100_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }))
        try write("d-empty.log", Data())
        try write("e-crlf.jsonl", Data((0..<100).map { inferenceLine($0) + "\r\n" }.joined().utf8))
        var invalidUTF8 = Data(inferenceLine(1).utf8)
        invalidUTF8.append(contentsOf: [0x0A])
        invalidUTF8.append(Data(#"{"ts":"2026-11-17T10:00:00Z","model":"m\#u{FF}x","client":""#.utf8))
        invalidUTF8.append(contentsOf: [0xC3, 0x28, 0xFF, 0xFE])
        invalidUTF8.append(Data("\"}\n".utf8))
        try write("f-invalid-utf8.jsonl", invalidUTF8)
        let longLine =
            #"{"ts":"2026-11-17T10:00:00Z","model":"m","x":""# + String(repeating: "y", count: 10 << 20) + "\"}\n"
        try write("g-ten-mb-line.jsonl", Data((inferenceLine(1) + "\n" + longLine + inferenceLine(2) + "\n").utf8))
        let deep = #"{"ts":"2026-11-17T10:00:00Z","model":"m","x":"# + String(repeating: "[", count: 10_000) + "]}\n"
        try write("h-deep.jsonl", Data((deep + inferenceLine(3) + "\n").utf8))
        try write("i-binary-junk.log", Data([0, 1, 2, 0x1B, 0x5B, 0x33, 0x31, 0x6D, 0x0A, 0xFF, 0x00, 0x0A]))
        return folder
    }

    @Test func robustnessCorpusCountsAddUp() throws {
        let folder = try Self.writeRobustnessCorpus()
        defer { try? FileManager.default.removeItem(at: folder) }
        let summary = try TestSupport.analyze([folder.path], threads: 2) { $0.lineCap = 1 << 20 }
        let byName = Dictionary(
            uniqueKeysWithValues: summary.sources.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0) })
        #expect(byName.count == 9)
        for source in summary.sources {
            #expect(source.parsed + source.rejectedTotal == source.lines, "\(source.path)")
        }
        let truncated = try #require(byName["a-truncated.jsonl.gz"])
        #expect(truncated.gzipEnding == .truncated)
        #expect(truncated.parsed > 100 && truncated.parsed < 2000)
        #expect(truncated.damageOffset != nil)
        let garbage = try #require(byName["b-garbage-after.jsonl.gz"])
        #expect(garbage.parsed == 2000)
        #expect(garbage.gzipEnding == .trailingGarbage)
        #expect(garbage.lostCompressedBytes == 17)
        #expect(byName["d-empty.log"]?.lines == 0)
        #expect(byName["e-crlf.jsonl"]?.parsed == 100)
        let utf8 = try #require(byName["f-invalid-utf8.jsonl"])
        #expect(utf8.lines == 2)
        #expect(utf8.parsed == 2)  // invalid UTF-8 inside a string is kept as bytes, not a crash
        let long = try #require(byName["g-ten-mb-line.jsonl"])
        #expect(long.parsed == 2)
        #expect(long.rejected[RejectReason.lineTooLong.rawValue] == 1)
        #expect(long.lines == 3)
        let deep = try #require(byName["h-deep.jsonl"])
        #expect(deep.parsed == 1)
        #expect(deep.rejected[RejectReason.nestingTooDeep.rawValue] == 1)

        let events = IntegrityDetector().events(for: summary)
        let truncatedEvent = try #require(events.first { $0.typeName == "ops.logging.integrity.truncated" })
        #expect(truncatedEvent.entity.source == truncated.path)
        #expect(truncatedEvent.message.contains("compressed byte"))
        #expect(events.contains { $0.typeName == "ops.logging.integrity.trailing_garbage" })
        // Random bytes: nothing parses, so the file is listed as skipped (not a log), with every
        // line still counted under a reason, and raises no integrity event (SPEC.md).
        #expect(byName["c-random.bin"]?.reportedKind == "skipped")
        #expect(!events.contains { $0.entity.source?.hasSuffix("c-random.bin") == true })
        // The sources after the truncated archive in the walk were still analysed.
        #expect(byName["e-crlf.jsonl"]?.parsed == 100)
    }

    @Test func oneThreadAndManyThreadsGiveTheSameSummary() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for file in 0..<4 {
            let text = (0..<20_000).map { Self.inferenceLine($0 + file * 20_000, host: "inf-\(file % 2)") }.joined(
                separator: "\n")
            try TestSupport.gzip(Data(text.utf8)).write(to: folder.appendingPathComponent("part-\(file).jsonl.gz"))
        }
        let configure: (inout AnalysisOptions) -> Void = { $0.chunkSize = 64 * 1024 }
        let one = try TestSupport.analyze([folder.path], threads: 1, configure: configure)
        let three = try TestSupport.analyze([folder.path], threads: 3, configure: configure)
        #expect(one.sources == three.sources)
        #expect(one.windows == three.windows)
        #expect(one.inference.clients.entries == three.inference.clients.entries)
        #expect(one.inference.addresses.entries == three.inference.addresses.entries)
        #expect(one.inference.clients.total == 80_000)
        #expect(one.gateway.clients.total == 0)
        #expect(one.sources.map(\.parsed) == [20_000, 20_000, 20_000, 20_000])
        let totals = SummaryReport.modelTotals(one)
        #expect(totals.count == 1)
        #expect(totals[0].window.records == 80_000)
        #expect(totals[0].window.unavailable == 1600)
    }

    @Test func windowBudgetCoarsensTheSameWayForAnyThreadCount() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for file in 0..<3 {
            // 60 distinct minutes per file, two hosts: 120 stream-windows per file at 1 minute.
            let text = (0..<6000).map { Self.inferenceLine($0, host: "inf-\(file % 2)") }.joined(separator: "\n")
            try Data(text.utf8).write(to: folder.appendingPathComponent("part-\(file).jsonl"))
        }
        let configure: (inout AnalysisOptions) -> Void = {
            $0.chunkSize = 16 * 1024
            $0.windowBudget = 10 * StreamWindow.fixedFootprint + 400
        }
        let one = try TestSupport.analyze([folder.path], threads: 1, configure: configure)
        let two = try TestSupport.analyze([folder.path], threads: 2, configure: configure)
        #expect(one.windowFootprint <= 10 * StreamWindow.fixedFootprint + 400)
        // 3 sources × 60 minutes = 180 windows; 5 min: 36; 15 min: 12; 1 h: 3.
        #expect(one.windowMillis == 3_600_000)
        #expect(two.windowMillis == one.windowMillis)
        #expect(two.windows == one.windows)
        #expect(one.windows.values.reduce(0) { $0 + $1.records } == 18_000)
    }

    @Test func recordsStampedInTheFutureAreReported() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let lines = (0..<20).map { Self.inferenceLine($0) }  // 2026-11-17T10:xx
        try Data(lines.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("a.jsonl"))
        // Python: calendar.timegm((2026, 11, 17, 10, 10, 0, 0, 0, 0)) * 1000
        let summary = try TestSupport.analyze([folder.path]) { $0.futureLimitMillis = 1_794_910_200_000 }
        #expect(summary.sources[0].futureRecords == 10)  // 10:10:10 to 10:19:19
        let events = IntegrityDetector().events(for: summary)
        #expect(events.map(\.typeName) == ["ops.logging.integrity.future_timestamps"])
        let now = try TestSupport.analyze([folder.path])
        #expect(now.sources[0].futureRecords == 0)
    }

    @Test func accessLogsAreDetectedAndTimesNormalised() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let lines = [
            #"94.15.114.86 - - [16/Nov/2026:19:01:35 -0500] "POST /v1/x HTTP/1.1" 200 51 "-" "curl/8" rt=0.012 rid=a key=k-1"#,
            #"94.15.114.86 - - [17/Nov/2026:01:01:36 +0100] "POST /v1/x HTTP/1.1" 401 51 "-" "curl/8" rt=0.012 rid=b key=k-2"#,
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("access.log"))
        let summary = try TestSupport.analyze([folder.path])
        #expect(summary.sources[0].kind == .access)
        #expect(summary.sources[0].parsed == 2)
        #expect(summary.sources[0].firstMillis == 1_794_873_695_000)
        #expect(summary.sources[0].lastMillis == 1_794_873_696_000)
        #expect(summary.gateway.addresses.top(1).first?.activity.authFailures == 1)
        #expect(summary.gateway.clients.entries.map(\.key) == ["k-1", "k-2"])
    }
}
