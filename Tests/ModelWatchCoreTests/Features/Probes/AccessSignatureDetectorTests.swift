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

@Suite struct MultiPatternMatcherTests {
    /// Against the direct scan, on random texts over a small alphabet (so patterns overlap and
    /// share prefixes and suffixes), with the bundled lists and with crafted overlapping ones.
    @Test func findsTheSameLowestPatternAsADirectScan() {
        var state: UInt64 = 42
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let alphabet = Array("abAB./-".utf8)
        let crafted: [[UInt8]] = ["aba", "ba", "abab", "b.a", "a", "bb/", "-a-", "AbA"].map {
            Array($0.lowercased().utf8)
        }
        let bundled = RequestSignatures.bundled()
        for patterns in [crafted, bundled.probePaths, bundled.scannerAgents] {
            let matcher = MultiPatternMatcher(patterns)
            for _ in 0..<2_000 {
                var text = (0..<random(24)).map { _ in alphabet[random(alphabet.count)] }
                if random(3) == 0, let pattern = patterns.randomElementIndex(random).map({ patterns[$0] }) {
                    let at = random(text.count + 1)
                    text.insert(
                        contentsOf: pattern.map { random(2) == 0 ? $0 : ($0 &- 97 < 26 ? $0 & 0xDF : $0) }, at: at)
                }
                let expected = text.withUnsafeBytes { bytes in
                    patterns.firstIndex { RequestSignatures.contains(bytes, $0) }
                }
                let found = text.withUnsafeBytes { matcher.firstPattern(in: $0) }
                #expect(found == expected, "\(String(decoding: text, as: UTF8.self))")
            }
        }
    }
}

extension Array {
    fileprivate func randomElementIndex(_ random: (Int) -> Int) -> Int? {
        isEmpty ? nil : random(count)
    }
}
