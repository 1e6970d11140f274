import Foundation
import Testing

@testable import ModelWatchCore

@Suite struct TimestampTests {
    // Expected values from Python: int(datetime.fromisoformat(s).timestamp() * 1000).
    @Test(arguments: [
        ("2026-11-17T00:01:35.971Z", Int64(1_794_873_695_971)),
        ("2026-11-17T01:01:35.5+01:00", Int64(1_794_873_695_500)),
        ("2024-02-29T23:59:59.123456-05:30", Int64(1_709_270_999_123)),
        ("2026-11-17 00:01:35.971z", Int64(1_794_873_695_971)),
        ("2026-11-17T01:01:35.971+0100", Int64(1_794_873_695_971)),
        ("1970-01-01T00:00:00Z", Int64(0)),
    ])
    func rfc3339(text: String, expected: Int64) {
        let parsed = Array(text.utf8).withUnsafeBytes { TimestampParser.parseRFC3339($0) }
        #expect(parsed == expected)
    }

    @Test(arguments: [
        "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-17T00:01:35", "2026-11-17T00:01:35.Z", "garbage", "",
    ])
    func rfc3339Rejects(text: String) {
        #expect(Array(text.utf8).withUnsafeBytes { TimestampParser.parseRFC3339($0) } == nil)
    }

    @Test func commonLogTime() {
        // Python: datetime.strptime('16/Nov/2026:19:01:35 -0500', '%d/%b/%Y:%H:%M:%S %z').timestamp()
        let parsed = Array("16/Nov/2026:19:01:35 -0500".utf8).withUnsafeBytes { TimestampParser.parseCommonLogTime($0) }
        #expect(parsed == 1_794_873_695_000)
    }

    @Test func formatRoundTrips() {
        for millis: Int64 in [0, 1_794_873_695_971, 1_709_270_999_000, 951_782_400_000] {
            let text = TimestampParser.formatRFC3339(millis: millis)
            #expect(Array(text.utf8).withUnsafeBytes { TimestampParser.parseRFC3339($0) } == millis)
        }
        #expect(TimestampParser.formatRFC3339(millis: 1_794_873_695_971) == "2026-11-17T00:01:35.971Z")
    }

    @Test func epochNumbers() {
        #expect(TimestampParser.millisFromEpochNumber(1_794_873_695) == 1_794_873_695_000)
        #expect(TimestampParser.millisFromEpochNumber(1_794_873_695.5) == 1_794_873_695_500)
        #expect(TimestampParser.millisFromEpochNumber(1_794_873_695_971) == 1_794_873_695_971)
        #expect(TimestampParser.millisFromEpochNumber(-1) == nil)
    }
}

@Suite struct InferenceParserTests {
    @Test func specExampleLine() throws {
        let line =
            #"{"ts":"2026-11-17T00:01:35.971Z","request_id":"f563d66e-9529","model":"fraud-scorer","model_version":"3.2.1","client":"k-8ad8e9","ip":"94.15.114.86","host":"inf-3","latency_ms":12.1,"status":200,"features":{"amount":51.62,"country":"SA","tx_24h":2},"prediction":"legit","score":0.9404}"#
        try TestSupport.withInference(line) { record, bytes in
            #expect(record.timestampMillis == 1_794_873_695_971)
            #expect(TestSupport.string(record.requestID, bytes) == "f563d66e-9529")
            #expect(TestSupport.string(record.model, bytes) == "fraud-scorer")
            #expect(TestSupport.string(record.modelVersion, bytes) == "3.2.1")
            #expect(TestSupport.string(record.client, bytes) == "k-8ad8e9")
            #expect(TestSupport.string(record.address, bytes) == "94.15.114.86")
            #expect(TestSupport.string(record.host, bytes) == "inf-3")
            #expect(record.latencyMillis == 12.1)
            #expect(record.status == 200)
            #expect(TestSupport.string(record.prediction, bytes) == "legit")
            #expect(record.score == 0.9404)
            #expect(record.features.count == 3)
            #expect(record.features[0].value == .number(51.62))
            if case .string(let span) = record.features[1].value {
                #expect(TestSupport.string(span, bytes) == "SA")
            } else {
                Issue.record("country should be a string")
            }
            #expect(record.features[2].value == .number(2))
        }
    }

    @Test func everyTypeOfValue() throws {
        let line =
            #"{ "ts" : 1794873695971 , "model":"m\u00e9\"x\\y\/z\n", "features":{"n":-1.5e-3,"i":0,"big":12345678901234567890,"s":"a\ud83d\ude00b","t":true,"f":false,"z":null,"arr":[1,[2,{"k":"v"}]],"obj":{"x":1}}, "unknown":{"deep":[null,true,false,"x",1E+2]}, "label":1, "prediction":0.5, "logprobs":true, "top_logprobs":5, "prompt_tokens":120, "completion_tokens":30}"#
        try TestSupport.withInference(line) { record, bytes in
            #expect(record.timestampMillis == 1_794_873_695_971)
            #expect(TestSupport.string(record.model, bytes) == "mé\"x\\y/z\n")
            #expect(record.features.count == 9)
            #expect(record.features[0].value == .number(-0.0015))
            #expect(record.features[1].value == .number(0))
            #expect(record.features[2].value == .number(strtod("12345678901234567890", nil)))
            if case .string(let span) = record.features[3].value {
                #expect(TestSupport.string(span, bytes) == "a😀b")
            } else {
                Issue.record("s should be a string")
            }
            #expect(record.features[4].value == .bool(true))
            #expect(record.features[5].value == .bool(false))
            #expect(record.features[6].value == .null)
            #expect(record.features[7].value == .null)  // arrays are not profiled
            #expect(record.labelNumber == 1)
            #expect(record.predictionNumber == 0.5)
            #expect(record.asksLogprobs)
            #expect(record.topLogprobs == 5)
            #expect(record.promptTokens == 120)
            #expect(record.completionTokens == 30)
        }
    }

    @Test func numbersMatchStrtod() throws {
        // The fast path must give the correctly rounded Double, like strtod.
        for text in [
            "0.1", "51.62", "3.14159265358979", "1e22", "1e-22", "123456789012345", "0.000001234", "-2.5E+10",
            "9007199254740993", "1.7976931348623157e308", "4.9e-324",
        ] {
            let line = #"{"ts":1,"model":"m","latency_ms":"# + text + "}"
            try TestSupport.withInference(line) { record, _ in
                #expect(record.latencyMillis == strtod(text, nil), "\(text)")
            }
        }
    }

    @Test(arguments: [
        ("", RejectReason.notJSONObject),
        ("[1,2]", .notJSONObject),
        (#"{"ts":"2026-11-17T00:01:35Z","model":"m""#, .malformedJSON),
        (#"{"ts":"2026-11-17T00:01:35Z","model":"m"} trailing"#, .malformedJSON),
        (#"{"ts":"2026-11-17T00:01:35Z","model":"m","x":tru}"#, .malformedJSON),
        (#"{"ts":"2026-11-17T00:01:35Z","model":"m","x":01}"#, .malformedJSON),
        (#"{"ts":"2026-11-17T00:01:35Z","model":"m","x":"\q"}"#, .malformedJSON),
        (#"{"model":"m"}"#, .missingTimestamp),
        (#"{"ts":"yesterday","model":"m"}"#, .badTimestamp),
        (#"{"ts":"2026-11-17T00:01:35Z"}"#, .missingModel),
        (#"{"ts":"2026-11-17T00:01:35Z","model":null}"#, .missingModel),
    ])
    func rejects(line: String, reason: RejectReason) {
        guard case .failure(let rejection) = TestSupport.parseInference(line) else {
            Issue.record("accepted: \(line)")
            return
        }
        #expect(rejection.reason == reason, "\(line)")
    }

    @Test func deepNestingIsRefusedNotRecursedWithoutLimit() {
        let deep =
            #"{"ts":1,"model":"m","x":"# + String(repeating: "[", count: 100_000)
            + String(repeating: "]", count: 100_000) + "}"
        guard case .failure(let rejection) = TestSupport.parseInference(deep) else {
            Issue.record("accepted a line nested 100,000 deep")
            return
        }
        #expect(rejection.reason == .nestingTooDeep)
        let shallow =
            #"{"ts":1,"model":"m","x":"# + String(repeating: "[", count: 20) + String(repeating: "]", count: 20) + "}"
        #expect((try? TestSupport.parseInference(shallow).get()) != nil)
    }

    @Test func invalidUTF8AndControlBytesNeverCrash() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            var bytes = Array(#"{"ts":"2026-11-17T00:01:35Z","model":"m","x":"abc"}"#.utf8)
            for _ in 0..<3 {
                bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            var record = ParsedRecord()
            _ = bytes.withUnsafeMutableBytes { try? InferenceLineParser().parse($0, into: &record) }
        }
    }
}

/// A tiny deterministic generator for fuzz-style tests (SplitMix64, Steele, Lea, Flood 2014).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct AccessLogParserTests {
    @Test func combinedWithExtras() throws {
        let line =
            #"94.15.114.86 - alice [16/Nov/2026:19:01:35 -0500] "POST /v1/models/fraud-scorer/predict HTTP/1.1" 200 512 "-" "python-requests/2.31" rt=0.012 rid=f563d66e-9529 key=k-8ad8e9"#
        try TestSupport.withAccess(line) { record, bytes in
            #expect(record.timestampMillis == 1_794_873_695_000)
            #expect(TestSupport.string(record.address, bytes) == "94.15.114.86")
            #expect(TestSupport.string(record.method, bytes) == "POST")
            #expect(TestSupport.string(record.path, bytes) == "/v1/models/fraud-scorer/predict")
            #expect(record.status == 200)
            #expect(record.responseBytes == 512)
            #expect(TestSupport.string(record.userAgent, bytes) == "python-requests/2.31")
            #expect(abs(record.latencyMillis - 12) < 1e-9)
            #expect(TestSupport.string(record.requestID, bytes) == "f563d66e-9529")
            #expect(TestSupport.string(record.client, bytes) == "k-8ad8e9")
        }
    }

    @Test func commonFormatAndDashes() throws {
        let line = #"10.0.0.5 - - [16/Nov/2026:19:01:35 +0000] "GET /healthz HTTP/1.1" 200 -"#
        try TestSupport.withAccess(line) { record, bytes in
            #expect(record.timestampMillis == 1_794_873_695_000 - 5 * 3_600_000)
            #expect(record.client.isAbsent)
            #expect(record.responseBytes == -1)
            #expect(TestSupport.string(record.path, bytes) == "/healthz")
        }
    }

    @Test func apacheEscapedQuotesInUserAgent() throws {
        let line = #"1.2.3.4 - - [16/Nov/2026:19:01:35 -0500] "GET /x HTTP/1.1" 404 0 "-" "Mozilla \"evil\" agent""#
        try TestSupport.withAccess(line) { record, bytes in
            #expect(TestSupport.string(record.userAgent, bytes) == #"Mozilla \"evil\" agent"#)
            #expect(record.status == 404)
        }
    }

    @Test func customNginxFormatWithRoles() throws {
        let format = try AccessLogFormat(
            nginx:
                #"$time_iso8601 $remote_addr "$http_x_forwarded_for" $request_method $request_uri $status $request_time $request_id $http_x_api_key"#
        )
        let line =
            #"2026-11-17T00:01:35+00:00 10.1.1.1 "203.0.113.9, 10.1.1.1" POST /v1/chat/completions 429 1.500 abc123 k-42"#
        try TestSupport.withAccess(line, format: format) { record, bytes in
            #expect(record.timestampMillis == 1_794_873_695_000)
            #expect(TestSupport.string(record.address, bytes) == "203.0.113.9")
            #expect(TestSupport.string(record.path, bytes) == "/v1/chat/completions")
            #expect(record.status == 429)
            #expect(record.latencyMillis == 1500)
            #expect(TestSupport.string(record.requestID, bytes) == "abc123")
            #expect(TestSupport.string(record.client, bytes) == "k-42")
        }
    }

    @Test func formatErrors() {
        #expect(throws: AccessLogFormat.FormatError.self) { try AccessLogFormat(nginx: "$a$b") }
        #expect(throws: AccessLogFormat.FormatError.self) { try AccessLogFormat(nginx: "no variables") }
    }

    @Test(arguments: [
        "not an access log line",
        #"1.2.3.4 - - [99/Nov/2026:19:01:35 -0500] "GET / HTTP/1.1" 200 1"#,
        #"1.2.3.4 - - [16/Nov/2026:19:01:35 -0500] "GET / HTTP/1.1" abc 1"#,
        "",
    ])
    func rejects(line: String) {
        #expect(throws: LineRejection.self) { try TestSupport.withAccess(line) { _, _ in () } }
    }
}

@Suite struct StringScanWordTests {
    /// The eight-bytes-at-a-time test must flag exactly the first quote, backslash or control
    /// byte of a word: every byte value at every position, and random words against a byte loop.
    @Test func firstFlaggedByteMatchesAByteLoop() {
        func oracle(_ bytes: [UInt8]) -> Int? {
            bytes.firstIndex { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }
        }
        func scanned(_ bytes: [UInt8]) -> Int? {
            let word = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            let flags = JSONByteScanner.bytesNeedingAttention(word)
            return flags == 0 ? nil : flags.trailingZeroBitCount / 8
        }
        for position in 0..<8 {
            for value in 0...255 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                bytes[position] = UInt8(value)
                #expect(scanned(bytes) == oracle(bytes), "byte \(value) at \(position)")
            }
        }
        var state: UInt64 = 99
        let interesting: [UInt8] = [
            0x00, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xA2, 0xDC, 0xFF, 0x61,
        ]
        for _ in 0..<50_000 {
            var bytes: [UInt8] = []
            for _ in 0..<8 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes.append(interesting[Int((state >> 33) % UInt64(interesting.count))])
            }
            #expect(scanned(bytes) == oracle(bytes))
        }
    }
}
