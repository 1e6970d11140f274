import Foundation
import Testing

@testable import ModelWatchCore

/// Numbers an attacker writes into a log (a token count of forty digits, a body size past
/// Int64) are clamped, never a trap. The two lines are the inputs libFuzzer found crashing the
/// inference and access-log parsers (`Fuzz/`, `tools/fuzz.sh`), kept as they were found.
@Suite struct HostileNumberTests {
    static let inferenceLine =
        #"{"t(":1763337695971,"ldel":"m","prompt_tokens":12,"completion_tokens":3222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222,"logprobs":true,"top_logprobs":5}"#
    static let accessLine =
        #"203.0.113.9 - alice [16/Nov/2026:19:01:35 -0500] "GET /.env HTTP/1.1" 404 1111111111111111111111111111111111110 "-" "curl""#

    @Test func hugeJSONNumbersClampInsteadOfTrapping() throws {
        for (field, value) in [
            ("completion_tokens", "3e40"), ("prompt_tokens", "-3e40"), ("status", "1e300"),
            ("top_logprobs", "99999999999999999999999"), ("completion_tokens", "1e999"),
        ] {
            var bytes = Array(
                #"{"ts":"2026-11-17T00:00:00Z","model":"m","\#(field)":\#(value)}"#.utf8)
            var record = ParsedRecord()
            try bytes.withUnsafeMutableBytes { try InferenceLineParser().parse($0, into: &record) }
            if field == "completion_tokens" && value == "3e40" { #expect(record.completionTokens == .max) }
            if field == "prompt_tokens" { #expect(record.promptTokens == .min) }
        }
        var bytes = Array(Self.inferenceLine.utf8)
        var record = ParsedRecord()
        _ = bytes.withUnsafeMutableBytes { try? InferenceLineParser().parse($0, into: &record) }
    }

    @Test func aBodySizePastInt64Clamps() throws {
        var bytes = Array(Self.accessLine.utf8)
        var record = ParsedRecord()
        try bytes.withUnsafeMutableBytes { try AccessLogParser(format: nil).parse($0, into: &record) }
        #expect(record.responseBytes == .max)
        #expect(record.status == 404)
    }

    @Test func theFuzzFindingsAnalyseToTheEnd() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data((Self.inferenceLine + "\n").utf8).write(to: folder.appendingPathComponent("inference.jsonl"))
        try Data((Self.accessLine + "\n").utf8).write(to: folder.appendingPathComponent("access.log"))
        let summary = try TestSupport.analyze([folder.path])
        #expect(summary.sources.map(\.lines).reduce(0, +) == 2)
    }

    @Test func everyInstantFormatsWithoutOverflow() {
        // The empty-range sentinels reach the formatter from a damaged state file.
        let instants: [Int64] = [.min, .max, .min + 1, -(1 << 50) - 1, 1 << 50, 0]
        for millis in instants {
            #expect(TimestampParser.formatRFC3339(millis: millis).hasSuffix("Z"))
        }
        #expect(TimestampParser.formatRFC3339(millis: 0) == "1970-01-01T00:00:00Z")
    }

    @Test func clampingCoversTheEdges() {
        #expect(Int32(clampingNumber: .nan) == 0)
        #expect(Int32(clampingNumber: .infinity) == .max)
        #expect(Int32(clampingNumber: -.infinity) == .min)
        #expect(Int32(clampingNumber: 2_147_483_647.9) == .max)
        #expect(Int32(clampingNumber: -12.7) == -12)
        #expect(Int64(clampingNumber: 9.3e18) == .max)
        #expect(Int64(clampingNumber: -9.3e18) == .min)
        #expect(Int64(clampingNumber: 1e15) == 1_000_000_000_000_000)
    }
}
