import Foundation
import Testing

@testable import ModelWatchCore

/// Counts a person reads as exact are exact, and an event starts at its first record, for any
/// number of workers: one address tries 60 keys, each refused, from 08:30 among ordinary traffic.
@Suite struct ExactCountTests {
    /// 2026-11-18T00:00:00Z; Python: calendar.timegm((2026, 11, 18, 0, 0, 0)) * 1000.
    static let start: Int64 = 1_794_960_000_000

    static func nginxTime(_ millis: Int64) -> String {
        let seconds = Int((millis - start) / 1000)
        let (hour, minute, second) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        return String(format: "18/Nov/2026:%02d:%02d:%02d +0000", hour, minute, second)
    }

    static let attackStart = start + 8 * 3_600_000 + 30 * 60_000 + 7_000  // 08:30:07

    static func write() throws -> URL {
        let folder = try TestSupport.temporaryDirectory()
        var lines: [(Int64, String)] = []
        var generator = SplitMix(seed: 9)
        for client in 0..<30 {
            var millis = start + Int64(generator.next() % 60_000)
            while millis < start + 12 * 3_600_000 {
                let status = generator.uniform() < 0.01 ? 401 : 200
                lines.append(
                    (
                        millis,
                        "81.2.\(client).9 - - [\(Self.nginxTime(millis))] \"POST /v1/models/m/predict HTTP/1.1\" \(status) 99 \"-\" \"okhttp/4.12.0\" rt=0.010 rid=r\(millis)-\(client) key=k-\(client)"
                    ))
                millis += 30_000 + Int64(generator.next() % 120_000)
            }
        }
        for index in 0..<60 {
            let millis = attackStart + Int64(index) * 20_000
            lines.append(
                (
                    millis,
                    "198.51.100.23 - - [\(Self.nginxTime(millis))] \"POST /v1/models/m/predict HTTP/1.1\" 401 33 \"-\" \"python-requests/2.28.1\" rt=0.001 rid=g\(index) key=k-guess-\(index)"
                ))
        }
        let text = lines.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: folder.appendingPathComponent("access.log"))
        return folder
    }

    @Test func refusedAttemptsAreCountedExactlyFromTheFirstRecord() throws {
        let folder = try Self.write()
        defer { try? FileManager.default.removeItem(at: folder) }
        var ids: Set<String> = []
        for threads in [1, 2, 3] {
            for chunkSize in [4 << 10, 1 << 20] {
                let summary = try TestSupport.analyze([folder.path], threads: threads) { $0.chunkSize = chunkSize }
                let events = AbuseDetector().events(for: summary).filter { $0.typeName == "abuse.credential_stuffing" }
                #expect(events.count == 1, "threads \(threads), chunks of \(chunkSize)")
                guard let event = events.first else { continue }
                let evidence = Dictionary(uniqueKeysWithValues: event.evidence)
                #expect(evidence["attempts"] == .integer(60))
                #expect(evidence["auth_failures"] == .integer(60))
                #expect(event.startMillis == Self.attackStart)
                #expect(event.endMillis == Self.attackStart + 59 * 20_000)
                #expect(event.message.contains("refused (401/403) 60 times out of 60 attempts with ≈"))
                if case .integer(let keys) = evidence["distinct_failed_keys"] {
                    // A 64-register sketch: within about 10% at 60.
                    #expect(abs(keys - 60) <= 6)
                }
                ids.insert(event.id)
            }
        }
        #expect(ids.count == 1)
    }
}
