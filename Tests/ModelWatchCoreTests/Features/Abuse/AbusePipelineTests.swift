import Foundation
import Testing

@testable import ModelWatchCore

/// The abuse statistics through the whole pipeline: files in, events out, the same verdicts for
/// one worker and for several, and the CLI's risk table and event tags.
@Suite struct AbusePipelineTests {
    static let start: Int64 = 1_795_046_400_000  // 2026-11-18T00:00:00Z

    static func nginxTime(_ millis: Int64) -> String {
        let seconds = Int((millis - start) / 1000)
        let day = 18 + seconds / 86_400
        let (hour, minute, second) = (seconds / 3600 % 24, seconds / 60 % 60, seconds % 60)
        return String(format: "%02d/Nov/2026:%02d:%02d:%02d +0000", day, hour, minute, second)
    }

    /// Two days: eight ordinary clients with natural queries; on the second day at 10:00 one of
    /// them sweeps a single feature, and at 14:00 one address tries 40 keys that are all refused.
    static func writeScenario() throws -> URL {
        let folder = try TestSupport.temporaryDirectory()
        var generator = SplitMix(seed: 3)
        var inference: [(Int64, String)] = []
        var access: [(Int64, String)] = []
        let countries = ["NL", "DE", "FR", "US", "GB", "ES", "IT", "BR"]
        for client in 0..<8 {
            var millis = start + Int64(generator.next() % 60_000)
            while millis < start + 2 * 86_400_000 {
                let amount = (exp(3.6 + 1.1 * generator.normal()) * 100).rounded() / 100
                let ip = "81.2.\(client).\(1 + generator.next() % 2)"
                inference.append(
                    (
                        millis,
                        AbuseDetectorTests.fraudLine(
                            millis, client: "k-\(client)", amount: amount, tx: Int(generator.next() % 9),
                            country: countries[Int(generator.next() % 8)], device: generator.uniform() < 0.1, ip: ip)
                    ))
                access.append(
                    (
                        millis,
                        "\(ip) - - [\(nginxTime(millis))] \"POST /v1/models/fraud-scorer/predict HTTP/1.1\" 200 99 \"-\" \"okhttp/4.12.0\" rt=0.010 rid=r\(millis) key=k-\(client)"
                    ))
                millis += 60_000 + Int64(generator.next() % 240_000)
            }
        }
        let sweepStart = start + 86_400_000 + 10 * 3_600_000
        for index in 0..<400 {
            let millis = sweepStart + Int64(index) * 5_000
            inference.append(
                (
                    millis,
                    AbuseDetectorTests.fraudLine(
                        millis, client: "k-3", amount: 20 + 1.25 * Double(index), ip: "81.2.3.1")
                ))
        }
        let stuffingStart = start + 86_400_000 + 14 * 3_600_000
        for index in 0..<40 {
            let millis = stuffingStart + Int64(index) * 1_500
            access.append(
                (
                    millis,
                    "203.0.113.66 - - [\(nginxTime(millis))] \"POST /v1/models/fraud-scorer/predict HTTP/1.1\" 401 33 \"-\" \"python-requests/2.28.1\" rt=0.001 rid=s\(index) key=k-guess\(index)"
                ))
        }
        func write(_ name: String, _ lines: [(Int64, String)]) throws {
            let text = lines.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: "\n") + "\n"
            try Data(text.utf8).write(to: folder.appendingPathComponent(name))
        }
        try write("inference.jsonl", inference)
        try write("access.log", access)
        return folder
    }

    struct Verdict: Hashable {
        var type: String
        var severity: Severity
        var client: String?
        var ip: String?
        var startMillis: Int64
    }

    @Test func verdictsDoNotDependOnTheWorkerCount() throws {
        let folder = try Self.writeScenario()
        defer { try? FileManager.default.removeItem(at: folder) }
        var verdicts: [Set<Verdict>] = []
        for threads in [1, 2, 3] {
            let summary = try TestSupport.analyze([folder.path], threads: threads) { $0.chunkSize = 16 << 10 }
            let events = AbuseDetector().events(for: summary).filter { $0.severity >= .medium }
            verdicts.append(
                Set(
                    events.map {
                        Verdict(
                            type: $0.typeName, severity: $0.severity, client: $0.entity.client, ip: $0.entity.ip,
                            startMillis: $0.startMillis)
                    }))
        }
        let extraction = try #require(verdicts[0].first { $0.type == "abuse.extraction" })
        #expect(extraction.client == "k-3")
        #expect(extraction.startMillis >= Self.start + 86_400_000 + 9 * 3_600_000)
        #expect(extraction.startMillis <= Self.start + 86_400_000 + 11 * 3_600_000)
        #expect(verdicts[0].contains { $0.type == "abuse.credential_stuffing" && $0.ip == "203.0.113.66" })
        // Nothing else at medium or above, besides the sweep's own volume jump.
        #expect(verdicts[0].allSatisfy { $0.client == "k-3" || $0.ip == "203.0.113.66" })
        for other in verdicts.dropFirst() {
            #expect(Set(other.map(\.type)) == Set(verdicts[0].map(\.type)))
            #expect(Set(other.map { $0.client ?? $0.ip }) == Set(verdicts[0].map { $0.client ?? $0.ip }))
        }
    }

    @Test func analyzePrintsTheRiskTableAndTagsTheEvents() throws {
        let folder = try Self.writeScenario()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CommandLineTests.run(["analyze", folder.path, "--events", "-", "--no-progress"])
        #expect(run.status == 0)
        #expect(run.standardError.contains("Abuse risk (riskiest clients and addresses"))
        #expect(run.standardError.contains("address 203.0.113.66"))
        let stuffing = try #require(
            run.standardOutput.split(separator: "\n").first { $0.contains("\"abuse.credential_stuffing\"") })
        #expect(stuffing.contains("\"atlas\":[\"AML.T0012\"]"))
        #expect(stuffing.contains("\"owasp\":[\"API2:2023\"]"))
        #expect(stuffing.contains("\"iso27001_2022\":[\"8.5\"]"))
        let extraction = try #require(
            run.standardOutput.split(separator: "\n").first { $0.contains("\"abuse.extraction\"") })
        #expect(extraction.contains("\"AML.T0024.002\""))
        #expect(extraction.contains("\"perturbation_share\""))
    }
}
