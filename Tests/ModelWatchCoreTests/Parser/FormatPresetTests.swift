import Foundation
import Testing

@testable import ModelWatchCore

/// The presets on the real published records in `Tests/Fixtures/formats/` (see its README for
/// where each came from): recognised without flags, every line parsed or rejected with its
/// reason, and the counts, models and tokens the records hold, checked against an independent
/// reading of the same files with Foundation's `JSONSerialization`.
@Suite struct FormatPresetTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/formats")

    static func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name) }

    /// Reads `paths` through the whole batch pipeline.
    static func analyse(_ paths: [String], threads: Int = 2, format: LogFormat? = nil) throws -> AnalysisSummary {
        var options = AnalysisOptions(threads: threads)
        options.inputFormat = format
        options.futureLimitMillis = .max
        return Analysis(configuration: AnalysisConfiguration(options: options)).read(try InputDiscovery.expand(paths))
    }

    @Test(arguments: [
        ("bedrock.jsonl", LogFormat.bedrock), ("alb.log", .alb), ("gcp-lb.jsonl", .gcpLB),
        ("litellm-payload.json", .litellm), ("litellm.jsonl", .litellm), ("kong-ai.jsonl", .kongAI),
        ("sagemaker-capture.jsonl", .sagemakerCapture), ("nginx-json.log", .nginxJSON),
    ])
    func recognisesEachPresetFromContent(name: String, expected: LogFormat) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.fixture(name)))
        #expect(LogFormatDetector.detect(bytes) == expected)
        let summary = try Self.analyse([Self.fixture(name).path])
        #expect(summary.sources[0].format == expected)
        #expect(summary.sources[0].kind == expected.kind)
    }

    @Test func nativeAndCombinedAreStillRecognised() {
        let native = Array(#"{"ts":"2026-11-17T00:01:35.971Z","model":"m"}"#.utf8)
        let combined = Array(#"1.2.3.4 - - [16/Nov/2026:19:01:35 -0500] "GET / HTTP/1.1" 200 5 "-" "x""#.utf8)
        #expect(LogFormatDetector.detect(native) == .native)
        #expect(LogFormatDetector.detect(combined) == .combined)
        #expect(LogFormatDetector.detect(Array("\n \n".utf8)) == nil)
    }

    /// Per model: records and token totals, read independently with JSONSerialization.
    struct ModelFigures: Equatable {
        var records = 0
        var promptTokens = 0
        var completionTokens = 0
    }

    static func figures(_ summary: AnalysisSummary) -> [String: ModelFigures] {
        var result: [String: ModelFigures] = [:]
        for totals in SummaryReport.modelTotals(summary) {
            result[totals.model] = ModelFigures(
                records: totals.window.records, promptTokens: totals.window.promptTokens,
                completionTokens: totals.window.completionTokens)
        }
        return result
    }

    static func jsonLines(_ name: String) throws -> [[String: Any]] {
        try String(contentsOf: fixture(name), encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    @Test func bedrockCountsModelsAndTokensMatchTheRecords() throws {
        var expected: [String: ModelFigures] = [:]
        for record in try Self.jsonLines("bedrock.jsonl") {
            let modelID = record["modelId"] as! String
            let model = modelID.hasPrefix("arn:") ? String(modelID.split(separator: "/").last!) : modelID
            let input = record["input"] as? [String: Any]
            let output = record["output"] as? [String: Any]
            expected[model, default: ModelFigures()].records += 1
            expected[model, default: ModelFigures()].promptTokens += input?["inputTokenCount"] as? Int ?? 0
            expected[model, default: ModelFigures()].completionTokens += output?["outputTokenCount"] as? Int ?? 0
        }
        let summary = try Self.analyse([Self.fixture("bedrock.jsonl").path])
        #expect(summary.sources[0].parsed == 4 && summary.sources[0].rejectedTotal == 0)
        #expect(Self.figures(summary) == expected)
        #expect(expected["us.anthropic.claude-haiku-4-5-20251001-v1:0"]?.records == 1)
        // The throttled call (errorCode ThrottlingException) is the one failure.
        let windows = summary.windows.filter { $0.key.model == "amazon.titan-text-express-v1" }.map(\.value)
        #expect(windows.reduce(0) { $0 + $1.throttled } == 1)
        #expect(summary.inference.clients.total == 4)
    }

    @Test func bedrockRecordFields() throws {
        let lines = try String(contentsOf: Self.fixture("bedrock.jsonl"), encoding: .utf8).split(separator: "\n")
        try Self.withPreset(String(lines[1]), BedrockRecordParser().parse) { record, text in
            #expect(text(record.model) == "anthropic.claude-3-5-sonnet-20240620-v1:0")
            #expect(text(record.client) == "arn:aws:iam::111111111111:user/observe-test")
            #expect(text(record.requestID) == "a1b2c3d4-e5f6-7890-abcd-ef1234567890")
            #expect(record.latencyMillis == 1200 && record.status == 200)
            #expect(record.promptTokens == 20 && record.completionTokens == 18)
            #expect(record.timestampMillis == 1_785_319_200_000)  // 2026-07-29T10:00:00Z
        }
        // Streaming: an array of events ending in "[DONE]", no latency in the record.
        try Self.withPreset(String(lines[0]), BedrockRecordParser().parse) { record, _ in
            #expect(record.latencyMillis.isNaN && record.completionTokens == 0)
        }
    }

    @Test func litellmPayloadOnePrettyPrintedObjectPerFile() throws {
        let summary = try Self.analyse([Self.fixture("litellm-payload.json").path])
        #expect(summary.sources[0].lines == 1 && summary.sources[0].parsed == 1)
        #expect(Self.figures(summary) == ["gpt-4o": ModelFigures(records: 1, promptTokens: 10, completionTokens: 20)])
        let totals = SummaryReport.modelTotals(summary)[0]
        // endTime "2025-01-24 09:20:46.851954", read as UTC.
        #expect(totals.window.lastMillis == 1_737_710_446_851)
    }

    @Test func litellmLinesClientAddressStatusAndLogprobs() throws {
        let lines = try String(contentsOf: Self.fixture("litellm.jsonl"), encoding: .utf8).split(separator: "\n")
        try Self.withPreset(String(lines[0]), LiteLLMRecordParser().parse) { record, text in
            #expect(text(record.client) == "team-search")  // the alias wins over the hash
            #expect(text(record.address) == "203.0.113.7")
            #expect(record.status == 200 && record.asksLogprobs && record.topLogprobs == 5)
            #expect(record.latencyMillis == 1375)
            #expect(record.timestampMillis == 1_764_547_201_500)  // endTime, float epoch seconds
        }
        try Self.withPreset(String(lines[1]), LiteLLMRecordParser().parse) { record, text in
            #expect(text(record.client) == "0b9d5f3c7a1e2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f")
            #expect(record.status == 429)  // failure with error_code "429"
            #expect(abs(record.latencyMillis - 200) < 1e-6)
        }
    }

    @Test func kongAIModelsTokensAndConsumers() throws {
        let summary = try Self.analyse([Self.fixture("kong-ai.jsonl").path])
        #expect(
            Self.figures(summary) == [
                "gpt-4o-2024-08-06": ModelFigures(records: 1, promptTokens: 28, completionTokens: 20),
                "command": ModelFigures(records: 1, promptTokens: 89, completionTokens: 0),
            ])
        let lines = try String(contentsOf: Self.fixture("kong-ai.jsonl"), encoding: .utf8).split(separator: "\n")
        try Self.withPreset(String(lines[0]), KongAIRecordParser().parse) { record, text in
            #expect(text(record.client) == "search-frontend" && text(record.address) == "192.168.65.1")
            #expect(text(record.host) == "openai" && text(record.requestID) == "9ec9264afbbbad5fe5c64877d92eeb04")
            #expect(record.latencyMillis == 1402 && record.timestampMillis == 1_787_113_201_719 + 1458)
        }
        try Self.withPreset(String(lines[1]), KongAIRecordParser().parse) { record, text in
            #expect(text(record.client) == "batch-job" && record.status == 429)
        }
    }

    @Test func albAccessLinesParsedOtherELBLinesRejectedWithTheirReason() throws {
        let summary = try Self.analyse([Self.fixture("alb.log").path])
        let source = summary.sources[0]
        #expect(source.lines == 10 && source.parsed == 3)
        #expect(source.rejected[RejectReason.nlbLine.rawValue] == 4)
        #expect(source.rejected[RejectReason.albConnectionLine.rawValue] == 3)
        #expect(source.damagedLines == 0)
        let lines = try String(contentsOf: Self.fixture("alb.log"), encoding: .utf8).split(separator: "\n")
        try Self.withPreset(String(lines[0]), ALBRecordParser().parse) { record, text in
            #expect(record.kind == .access && record.status == 200 && record.responseBytes == 366)
            #expect(abs(record.latencyMillis - 1) < 1e-9)
            #expect(
                text(record.address) == "192.168.131.39" && text(record.method) == "GET" && text(record.path) == "/")
            #expect(text(record.userAgent) == "curl/7.46.0")
            #expect(text(record.requestID) == "Root=1-58337262-36d228ad5d99923122bbe354")
            #expect(record.timestampMillis == 1_530_570_180_186)
        }
        try Self.withPreset(String(lines[1]), ALBRecordParser().parse) { record, text in
            #expect(record.latencyMillis.isNaN && record.status == 301)  // -1 processing times: absent
            #expect(text(record.path) == "/shell?cd+/tmp;rm+-rf+*;wget+")
        }
    }

    @Test func gcpLoadBalancerEntries() throws {
        let summary = try Self.analyse([Self.fixture("gcp-lb.jsonl").path])
        #expect(summary.sources[0].parsed == 3)
        let lines = try String(contentsOf: Self.fixture("gcp-lb.jsonl"), encoding: .utf8).split(separator: "\n")
        try Self.withPreset(String(lines[2]), GCPLoadBalancerRecordParser().parse) { record, text in
            #expect(text(record.address) == "89.160.20.156")  // the port after it dropped
            #expect(text(record.path) == "/static/us/three-cats.jpg" && text(record.method) == "GET")
            #expect(record.status == 304 && record.responseBytes == 157)
        }
        let latency =
            #"{"timestamp":"2020-06-08T23:41:30Z","httpRequest":{"latency":"0.250123s","remoteIp":"2001:db8::1"}}"#
        try Self.withPreset(latency, GCPLoadBalancerRecordParser().parse) { record, text in
            #expect(abs(record.latencyMillis - 250.123) < 1e-9 && text(record.address) == "2001:db8::1")
        }
    }

    @Test func sageMakerCaptureJSONCSVAndBase64Payloads() throws {
        let folder = try TestSupport.temporaryDirectory()
        let dated = folder.appendingPathComponent("capture/fraud-endpoint/AllTraffic/2026/11/17/00")
        try FileManager.default.createDirectory(at: dated, withIntermediateDirectories: true)
        let file = dated.appendingPathComponent("12-34-567-8a9b.jsonl")
        try FileManager.default.copyItem(at: Self.fixture("sagemaker-capture.jsonl"), to: file)
        let summary = try Self.analyse([file.path])
        #expect(summary.sources[0].parsed == 3)
        #expect(summary.sources[0].rejected[RejectReason.groundTruthNotJoined.rawValue] == 1)
        #expect(Self.figures(summary).keys.sorted() == ["fraud-endpoint"])
        let lines = try String(contentsOf: Self.fixture("sagemaker-capture.jsonl"), encoding: .utf8).split(
            separator: "\n")
        try Self.withPreset(String(lines[0]), SageMakerCaptureRecordParser().parse) { record, text in
            #expect(abs(record.predictionNumber - 0.01076381653547287) < 1e-15)
            #expect(text(record.requestID) == "feca1ab1-8025-47e3-8f6a-99e3fdd7b8d9")
        }
        for index in [1, 2] {
            try Self.withPreset(String(lines[index]), SageMakerCaptureRecordParser().parse) { record, text in
                let names = record.features.map { text($0.name) }
                #expect(names.contains("amount") && names.contains("country"))
                #expect(text(record.prediction) == (index == 1 ? "legit" : "fraud"))
                #expect(record.score == (index == 1 ? 0.9404 : 0.88))
            }
        }
    }

    @Test func base64DecodesAsFoundationDoes() {
        var generator = SplitMix64(seed: 14)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            var text = Array(Data(bytes).base64EncodedString().utf8)
            let decoded = text.withUnsafeMutableBytes { buffer -> [UInt8] in
                let span = SageMakerCaptureRecordParser.decodeBase64InPlace(
                    ByteSpan(start: 0, count: buffer.count), in: buffer)
                return Array(buffer[Int(span.start)..<Int(span.start + span.count)])
            }
            #expect(decoded == bytes)
        }
    }

    @Test func nginxJSONAccessLog() throws {
        let summary = try Self.analyse([Self.fixture("nginx-json.log").path])
        #expect(summary.sources[0].parsed == 3 && summary.gateway.clients.total == 2)
        let lines = try String(contentsOf: Self.fixture("nginx-json.log"), encoding: .utf8).split(separator: "\n")
        try Self.withPreset(String(lines[0]), NginxJSONRecordParser().parse) { record, text in
            #expect(text(record.client) == "k-8ad8e9" && text(record.address) == "94.15.114.86")
            #expect(text(record.method) == "POST" && text(record.path) == "/v1/score" && record.status == 200)
            #expect(abs(record.latencyMillis - 14) < 1e-9 && record.responseBytes == 87)
        }
        let forwarded = #"{"msec":"1731801695.123","remote_addr":"-","http_x_forwarded_for":"203.0.113.50, 10.0.0.4"}"#
        try Self.withPreset(forwarded, NginxJSONRecordParser().parse) { record, text in
            #expect(text(record.address) == "203.0.113.50" && record.timestampMillis == 1_731_801_695_123)
        }
    }

    @Test func forcedFormatOverridesDetection() throws {
        // An ALB log forced to be read as Bedrock: every line rejected, none misread.
        let summary = try Self.analyse([Self.fixture("alb.log").path], format: .bedrock)
        #expect(summary.sources[0].format == .bedrock && summary.sources[0].parsed == 0)
        #expect(summary.sources[0].rejected[RejectReason.notJSONObject.rawValue] == 10)
    }

    /// The pretty-printed document and the JSON lines give the same totals however the reader's
    /// blocks and the framer's chunks cut them.
    @Test(arguments: [1, 3, 64, 1000, 1 << 16])
    func readBlockAndChunkSizesDoNotChangeTheResult(size: Int) throws {
        for (name, format) in [
            ("litellm-payload.json", LogFormat.litellm), ("bedrock.jsonl", .bedrock), ("alb.log", .alb),
        ] {
            var reader = SourceReader(chunkSize: max(1, size / 2), lineCap: 1 << 20)
            reader.readBlockSize = size
            let path = Self.fixture(name).path
            let aggregator = ChunkAggregator(
                sourcePaths: [path], windowMillis: 60_000, lineCap: 1 << 20, accessFormat: nil)
            let outcome = reader.read(InputSource(path: path, size: nil), index: 0) { chunk, detected in
                #expect(detected == format)
                aggregator.process(&chunk, format: detected)
            }
            aggregator.noteReader(outcome.statistics, for: 0)
            let summary = aggregator.finish()
            let whole = try Self.analyse([path], threads: 1)
            #expect(summary.sources[0].parsed == whole.sources[0].parsed, "\(name) at \(size)")
            #expect(summary.sources[0].rejected == whole.sources[0].rejected, "\(name) at \(size)")
            #expect(Self.figures(summary) == Self.figures(whole), "\(name) at \(size)")
        }
    }

    /// Every prefix of every fixture record is parsed or rejected with a reason: a cut or
    /// damaged record never crashes a preset parser or reads outside its line.
    @Test func truncatedRecordsAreRejectedNotCrashed() throws {
        let parsers: [(String, (UnsafeMutableRawBufferPointer, inout ParsedRecord) throws(LineRejection) -> Void)] = [
            ("kong-ai.jsonl", KongAIRecordParser().parse), ("litellm.jsonl", LiteLLMRecordParser().parse),
            ("gcp-lb.jsonl", GCPLoadBalancerRecordParser().parse), ("alb.log", ALBRecordParser().parse),
            ("sagemaker-capture.jsonl", SageMakerCaptureRecordParser().parse),
            ("nginx-json.log", NginxJSONRecordParser().parse),
        ]
        for (name, parse) in parsers {
            let text = try String(contentsOf: Self.fixture(name), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let bytes = Array(line.utf8)
                for cut in stride(from: 0, to: bytes.count, by: 3) {
                    var prefix = Array(bytes[0..<cut])
                    var record = ParsedRecord()
                    let outcome: Bool = prefix.withUnsafeMutableBytes { buffer in
                        do throws(LineRejection) {
                            try parse(buffer, &record)
                            return true
                        } catch {
                            return error.offsetInLine <= cut
                        }
                    }
                    #expect(outcome || cut < bytes.count, "\(name) cut at \(cut)")
                }
            }
        }
    }

    /// A directory of many small one-object files (LiteLLM's S3 logger) reads every file.
    @Test func directoryOfManySmallPayloadFiles() throws {
        let folder = try TestSupport.temporaryDirectory()
        let payload = try String(contentsOf: Self.fixture("litellm-payload.json"), encoding: .utf8)
        let count = 2000
        for index in 0..<count {
            let text = payload.replacingOccurrences(
                of: "chatcmpl-2299b6a2-82a3-465a-b47c-04e685a2227f", with: "chatcmpl-\(index)")
            try Data(text.utf8).write(to: folder.appendingPathComponent(String(format: "%05d.json", index)))
        }
        let summary = try Self.analyse([folder.path], threads: 2)
        #expect(summary.sources.count == count)
        #expect(summary.sources.allSatisfy { $0.format == .litellm && $0.parsed == 1 && $0.lines == 1 })
        #expect(
            Self.figures(summary)["gpt-4o"]
                == ModelFigures(records: count, promptTokens: 10 * count, completionTokens: 20 * count))
    }

    @Test func naiveTimesAreUTCOnlyWhenAllowed() {
        let text = Array("2025-01-24 09:20:46.847371".utf8)
        text.withUnsafeBytes { bytes in
            #expect(TimestampParser.parseRFC3339(bytes) == nil)
            #expect(TimestampParser.parseRFC3339(bytes, offsetOptional: true) == 1_737_710_446_847)
        }
    }

    /// Parses `text` with a preset's `parse` and hands the record and a span-to-String function
    /// to `body`.
    static func withPreset(
        _ text: String, _ parse: (UnsafeMutableRawBufferPointer, inout ParsedRecord) throws(LineRejection) -> Void,
        _ body: (ParsedRecord, (ByteSpan) -> String?) throws -> Void
    ) throws {
        var bytes = Array(text.utf8)
        var record = ParsedRecord()
        try bytes.withUnsafeMutableBytes { buffer in
            try parse(buffer, &record)
            let read = UnsafeRawBufferPointer(buffer)
            try body(record) { span in
                span.isAbsent
                    ? nil : String(decoding: read[Int(span.start)..<Int(span.start + span.count)], as: UTF8.self)
            }
        }
    }
}
