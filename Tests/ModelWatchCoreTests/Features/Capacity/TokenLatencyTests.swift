import Foundation
import Testing

@testable import ModelWatchCore

/// A language model is judged on its latency per completion token: a client asking for long
/// completions raises the p95 of a call threefold without the service being slower (quiet),
/// while the same service at half its token speed is reported.
@Suite struct TokenLatencyTests {
    static let base: Int64 = 1_794_873_600_000
    static let minute: Int64 = 60_000

    struct Random {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
    }

    enum Incident { case none, longCompletions, slowTokens }

    /// Two days of an LLM at 20 calls a minute: completions of 40-400 tokens, latency 250 ms to
    /// first token plus 15 ms a token (±20%). `longCompletions`: on day 2, 08:00-20:00, a
    /// client adds 10 calls a minute of 2,000-4,000 tokens. `slowTokens`: on day 2, 10:00-11:00,
    /// every token takes 50 ms.
    static func fixture(_ incident: Incident, seed: UInt64) throws -> URL {
        let folder = try TestSupport.temporaryDirectory()
        var random = Random(state: seed)
        var lines: [String] = []
        func call(_ millis: Int64, tokens: Int, perToken: Double, client: String) {
            let latency = (250 + Double(tokens) * perToken * (0.8 + 0.4 * random.next())) * 10
            lines.append(
                #"{"ts":\#(millis),"model":"chat","client":"\#(client)","latency_ms":\#(latency.rounded() / 10),"status":200,"prompt_tokens":120,"completion_tokens":\#(tokens)}"#
            )
        }
        for minute in 0..<(48 * 60) {
            let start = base + Int64(minute) * Self.minute
            let hour = minute / 60
            let slow = incident == .slowTokens && hour == 34
            for index in 0..<20 {
                call(
                    start + Int64(index) * 3_000, tokens: 40 + Int(random.next() * 360), perToken: slow ? 50 : 15,
                    client: "k-app")
            }
            if incident == .longCompletions && hour >= 32 && hour < 44 {
                for index in 0..<10 {
                    call(
                        start + Int64(index) * 6_000 + 1_500, tokens: 2_000 + Int(random.next() * 2_000), perToken: 15,
                        client: "k-writer")
                }
            }
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("chat.jsonl"))
        return folder
    }

    @Test(arguments: [11, 12] as [UInt64])
    func longCompletionsAreQuietAndSlowTokensAreReported(seed: UInt64) throws {
        let long = try Self.fixture(.longCompletions, seed: seed)
        defer { try? FileManager.default.removeItem(at: long) }
        let longSummary = try TestSupport.analyze([long.path])
        // The raw p95 did rise: judged per call, the long completions would be an incident.
        var perCall = CapacityDetector()
        perCall.tokenJudgedShare = 2
        #expect(!perCall.events(for: longSummary).isEmpty)
        #expect(CapacityDetector().events(for: longSummary).isEmpty)

        let slow = try Self.fixture(.slowTokens, seed: seed)
        defer { try? FileManager.default.removeItem(at: slow) }
        let events = CapacityDetector().events(for: try TestSupport.analyze([slow.path]))
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.typeName == "ops.capacity.latency")
        #expect(event.startMillis == Self.base + 34 * 3_600_000)
        #expect(event.endMillis == Self.base + 35 * 3_600_000)
        #expect(event.evidence.contains { $0.0 == "latency_measure" && $0.1 == .text("per completion token") })
    }
}
