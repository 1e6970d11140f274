import Foundation
import Testing

@testable import ModelWatchCore

/// `--pseudonymize`: client keys and addresses never reach an output, their tokens are stable
/// for one key and differ between keys, and the analysis finds the same incidents.
@Suite(.serialized) struct PseudonymizationTests {
    static let key = Array("0123456789abcdef0123456789abcdef".utf8)
    static let samples = OutputFormatTests.repository.appendingPathComponent("samples").path

    static func run(key: [UInt8]?) throws -> (summary: AnalysisSummary, result: AnalysisResult) {
        var options = AnalysisOptions(threads: 2)
        options.futureLimitMillis = .max
        options.pseudonymizationKey = key
        let analysis = Analysis(configuration: AnalysisConfiguration(options: options))
        let summary = analysis.read(try InputDiscovery.expand([samples]))
        return (summary, analysis.evaluate(summary))
    }

    /// Every output a run writes, as one text.
    static func outputs(_ run: (summary: AnalysisSummary, result: AnalysisResult)) -> String {
        var report = SummaryReport()
        report.checkedTypes = run.result.checkedTypes
        var text = report.render(run.summary, events: run.result.events)
        text += SummaryJSON.render(run.summary, events: run.result.events, checkedTypes: run.result.checkedTypes)
        for format in EventDocumentFormat.allCases {
            text += run.result.events.map { format.line(for: $0) }.joined(separator: "\n")
        }
        return text
    }

    @Test func noClientOrAddressReachesAnOutputAndIncidentsStayTheSame() throws {
        let plain = try Self.run(key: nil)
        let hidden = try Self.run(key: Self.key)
        let plainText = Self.outputs(plain)
        let hiddenText = Self.outputs(hidden)
        // The sample's extraction client and the busiest clients and addresses of both log
        // families, each named in the plain outputs.
        let busiest = [plain.summary.gateway, plain.summary.inference].flatMap {
            $0.clients.top(3).map(\.key) + $0.addresses.top(3).map(\.key)
        }
        #expect(busiest.count >= 8)
        for secret in ["k-5c4a11"] + busiest {
            #expect(plainText.contains(secret))
            #expect(!hiddenText.contains(secret), "\(secret) leaked")
        }
        var pseudonymizer = try Pseudonymizer(key: Self.key)
        let token = pseudonymizer.clientToken("k-5c4a11")
        #expect(hiddenText.contains(token))
        // Every client and address of every table is a token.
        for tables in [hidden.summary.gateway, hidden.summary.inference] {
            for entry in tables.clients.top(1000) { #expect(entry.key.hasPrefix("p-")) }
            for entry in tables.addresses.top(1000) { #expect(entry.key.hasPrefix("n-")) }
        }
        #expect(
            plain.result.events.map { "\($0.typeName) \($0.severity)" }.sorted()
                == hidden.result.events.map { "\($0.typeName) \($0.severity)" }.sorted())
        // Stable for one key: the same ids in a second run.
        let again = try Self.run(key: Self.key)
        #expect(again.result.events.map(\.id) == hidden.result.events.map(\.id))
    }

    @Test func tokensDependOnTheKeyAndKeepTheNetwork() throws {
        var first = try Pseudonymizer(key: Self.key)
        var second = try Pseudonymizer(key: Array(repeating: 7, count: 32))
        #expect(first.clientToken("k-1") == first.clientToken("k-1"))
        #expect(first.clientToken("k-1") != first.clientToken("k-2"))
        #expect(first.clientToken("k-1") != second.clientToken("k-1"))
        func address(_ text: String, _ pseudonymizer: inout Pseudonymizer) -> String {
            String(decoding: Array(text.utf8).withUnsafeBytes { pseudonymizer.addressToken($0) }, as: UTF8.self)
        }
        let a = address("94.15.114.86", &first)
        let b = address("94.15.114.7", &first)
        let c = address("94.15.115.86", &first)
        let network = { (token: String) in token.split(separator: ".").prefix(3).joined(separator: ".") }
        #expect(a != b && network(a) == network(b) && network(a) != network(c))
        // The abuse checks read the same /24 from the tokens as from the addresses.
        func networkHash(_ text: String) -> UInt64 {
            Array(text.utf8).withUnsafeBytes { ClientEntry.networkHash($0) }
        }
        #expect(networkHash(a) == networkHash(b) && networkHash(a) != networkHash(c))
        // An independent HMAC-SHA256 (Python's hmac module) gives the client token's 64 bits.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import hmac,hashlib;print(hmac.new(b'0123456789abcdef0123456789abcdef', b'client\\x00k-1', hashlib.sha256).hexdigest()[:16])",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let expected = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(first.clientToken("k-1") == "p-" + expected.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(throws: Pseudonymizer.KeyTooShort.self) { try Pseudonymizer(key: Array(repeating: 1, count: 15)) }
    }

    @Test func shortKeyFileIsAUsageError() throws {
        let file = try TestSupport.temporaryDirectory().appendingPathComponent("key")
        try Data("short".utf8).write(to: file)
        let run = try CommandLineTests.run([
            "analyze", FormatPresetTests.fixture("nginx-json.log").path, "--no-progress", "--pseudonymize", file.path,
        ])
        #expect(run.status == 2 && run.standardError.contains("at least 16"))
    }
}
