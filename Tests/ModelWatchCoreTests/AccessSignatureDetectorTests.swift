import Foundation
import Testing

@testable import ModelWatchCore

@Suite struct AccessSignatureDetectorTests {
    @Test func sampleScannerIsTheOnlyProbeAndHealthChecksStayQuiet() throws {
        let summary = try TestSupport.analyze([SampleArchiveTests.samples.path], threads: 2)
        let events = AccessSignatureDetector().events(for: summary)
        let probes = events.filter { $0.type == .opsVulnProbe }
        // samples/README.md: 185.220.101.7, 22:10:07-22:11:14 UTC, 30 requests, Nikto and sqlmap.
        #expect(probes.count == 1)
        let probe = try #require(probes.first)
        #expect(probe.entity == EventEntity(ip: "185.220.101.7"))
        #expect(probe.severity == .medium)
        #expect(TimestampParser.formatRFC3339(millis: probe.startMillis) == "2026-11-16T22:10:07Z")
        #expect(TimestampParser.formatRFC3339(millis: probe.endMillis) == "2026-11-16T22:11:14Z")
        #expect(probe.count == 30)
        #expect(Dictionary(uniqueKeysWithValues: probe.evidence)["scanner_agents"] == .text("nikto, sqlmap"))
        #expect(!events.contains { $0.entity.ip == "10.0.0.5" || $0.entity.ip == "10.0.0.7" })  // health, metrics
        let admin = try #require(events.first { $0.type == .opsAdminAction && $0.entity.client == "k-root01" })
        #expect(admin.severity == .info)
        #expect(TimestampParser.formatRFC3339(millis: admin.startMillis) == "2026-11-17T16:05:23Z")
    }

    @Test func adminCallsByOthersThanTheAdministratorsAreHigh() throws {
        let summary = try TestSupport.analyze([SampleArchiveTests.samples.path], threads: 2)
        let strict = AccessSignatureDetector(administrators: ["k-ops"]).events(for: summary)
        #expect(strict.first { $0.entity.client == "k-root01" }?.severity == .high)
        let allowed = AccessSignatureDetector(administrators: ["k-root01"]).events(for: summary)
        #expect(allowed.first { $0.entity.client == "k-root01" }?.severity == .info)
    }

    @Test func signatureMatching() {
        let signatures = RequestSignatures(
            scannerAgents: ["nikto"], probePaths: ["/.env", "../"], adminPathPrefixes: ["/admin"])
        func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
        #expect(bytes("Mozilla/5.00 (Nikto/2.1.6)").withUnsafeBytes { signatures.scannerAgent(in: $0) } == 0)
        #expect(bytes("python-requests/2.31").withUnsafeBytes { signatures.scannerAgent(in: $0) } == nil)
        #expect(bytes("/app/.ENV").withUnsafeBytes { signatures.probePath(in: $0) } == 0)
        #expect(bytes("/static/../../etc").withUnsafeBytes { signatures.probePath(in: $0) } == 1)
        #expect(bytes("/healthz").withUnsafeBytes { signatures.probePath(in: $0) } == nil)
        #expect(bytes("/v1/admin/models").withUnsafeBytes { signatures.isAdminPath($0) })
        #expect(bytes("/Admin").withUnsafeBytes { signatures.isAdminPath($0) })
        #expect(!bytes("/v1/models/admin").withUnsafeBytes { signatures.isAdminPath($0) })
        let bundled = RequestSignatures.bundled()
        #expect(bundled.scannerAgents.count > 20)
        #expect(bundled.probePaths.contains(Array("/.git/".utf8)))
    }
}
