import Foundation
import Testing

@testable import ModelWatchCore

@Suite struct ClockSkewDetectorTests {
    /// Inference logs in UTC and +01:00, and an access log in -05:00 whose times are the gateway's;
    /// host `inf-slow` runs `skew` seconds behind.
    static func fixture(skew: Int) throws -> URL {
        let folder = try TestSupport.temporaryDirectory()
        var inference: [String] = []
        var access: [String] = []
        let base = 1_794_873_600  // 2026-11-17T00:00:00Z; Python: calendar.timegm((2026, 11, 17, 0, 0, 0))
        for index in 0..<3000 {
            let host = ["inf-ok", "inf-slow", "inf-plus1"][index % 3]
            let trueSecond = base + index * 7
            let millis = 137 + index % 800
            let written = host == "inf-slow" ? trueSecond - skew : trueSecond
            let offsetMinutes = host == "inf-plus1" ? 60 : 0
            let local = Date(timeIntervalSince1970: TimeInterval(written + offsetMinutes * 60))
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
            let suffix = offsetMinutes == 0 ? "Z" : "+01:00"
            inference.append(
                #"{"ts":"\#(formatter.string(from: local)).\#(String(format: "%03d", millis))\#(suffix)","request_id":"req-\#(index)","model":"m","host":"\#(host)"}"#
            )
            formatter.dateFormat = "dd/MMM/yyyy:HH:mm:ss"
            let gateway = Date(timeIntervalSince1970: TimeInterval(trueSecond - 5 * 3600))
            access.append(
                #"10.0.0.\#(index % 9) - - [\#(formatter.string(from: gateway)) -0500] "POST /v1/models/m/predict HTTP/1.1" 200 10 "-" "client" rid=req-\#(index)"#
            )
        }
        try Data(inference.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("inference.jsonl"))
        try Data(access.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("access.log"))
        return folder
    }

    @Test func skewIsMeasuredWithinASecondAndTimeZonesAreNotSkew() throws {
        let folder = try Self.fixture(skew: 42)
        defer { try? FileManager.default.removeItem(at: folder) }
        let summary = try TestSupport.analyze([folder.path], threads: 2)
        let events = ClockSkewDetector().events(for: summary)
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.entity == EventEntity(host: "inf-slow"))
        guard case .number(let offset) = Dictionary(uniqueKeysWithValues: event.evidence)["offset_seconds"] else {
            Issue.record("no offset")
            return
        }
        #expect(abs(offset - 42) < 1)
        guard case .integer(let pairs) = Dictionary(uniqueKeysWithValues: event.evidence)["requests"] else {
            Issue.record("no pair count")
            return
        }
        #expect(pairs >= 20)
    }

    @Test func noSkewNoEvent() throws {
        let folder = try Self.fixture(skew: 0)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(ClockSkewDetector().events(for: try TestSupport.analyze([folder.path])).isEmpty)
        #expect(ClockSkewDetector().events(for: try TestSupport.analyze([SampleArchiveTests.samples.path])).isEmpty)
    }
}
