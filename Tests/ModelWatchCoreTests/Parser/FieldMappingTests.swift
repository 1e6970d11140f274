import Foundation
import Testing

@testable import ModelWatchCore

/// Field mappings (`--input-format mapping.yaml|json`): the nginx-json preset written as a
/// mapping gives the preset's records; an OpenTelemetry-style GenAI log is read with its
/// dotted keys, nanosecond times and quoted numbers; every mistake in a mapping file names its
/// line and column.
@Suite struct FieldMappingTests {
    static func fixture(_ name: String) -> URL { FormatPresetTests.fixture(name) }

    static func mapping(_ text: String, file: String = "mapping.yaml") throws(DocumentError) -> FieldMapping {
        try FieldMapping.parse(StrictDocument.parse(Array(text.utf8), file: file), file: file)
    }

    static func analyse(_ path: String, mapping: FieldMapping, threads: Int = 2) -> AnalysisSummary {
        var options = AnalysisOptions(threads: threads)
        options.read(through: mapping)
        options.futureLimitMillis = .max
        return Analysis(configuration: AnalysisConfiguration(options: options)).read([
            InputSource(path: path, size: nil)
        ])
    }

    /// Every field the nginx preset fills, for comparing two parsers' records.
    static func describe(_ record: ParsedRecord, _ text: (ByteSpan) -> String?) -> String {
        [
            "\(record.kind)", "\(record.timestampMillis)", text(record.address) ?? "-", text(record.client) ?? "-",
            text(record.method) ?? "-", text(record.path) ?? "-", "\(record.status)", "\(record.responseBytes)",
            String(format: "%.6f", record.latencyMillis), text(record.userAgent) ?? "-", text(record.requestID) ?? "-",
        ].joined(separator: " | ")
    }

    @Test func theNginxPresetWrittenAsAMappingGivesThePresetsRecords() throws {
        let mapping = try FieldMapping.load(path: Self.fixture("nginx-json-mapping.yaml").path)
        #expect(mapping.kind == .access)
        let parser = FieldMappingParser(mapping)
        let lines = try String(contentsOf: Self.fixture("nginx-json.log"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        for line in lines {
            var viaPreset = ""
            var viaMapping = ""
            try FormatPresetTests.withPreset(String(line), NginxJSONRecordParser().parse) { record, text in
                viaPreset = Self.describe(record, text)
            }
            try FormatPresetTests.withPreset(String(line), parser.parse) { record, text in
                viaMapping = Self.describe(record, text)
            }
            #expect(viaMapping == viaPreset)
        }
        // Through the whole pipeline too: same accounting, clients, addresses and answers.
        let preset = try FormatPresetTests.analyse([Self.fixture("nginx-json.log").path], format: .nginxJSON)
        let mapped = Self.analyse(Self.fixture("nginx-json.log").path, mapping: mapping)
        #expect(mapped.sources[0].format == .mappedAccess && mapped.sources[0].kind == .access)
        #expect(mapped.sources[0].parsed == preset.sources[0].parsed)
        #expect(mapped.gateway.clients.entries.map(\.key) == preset.gateway.clients.entries.map(\.key))
        #expect(mapped.gateway.addresses.total == preset.gateway.addresses.total)
        #expect(
            ReportFigures.days(mapped).map(\.gatewayStatusClasses)
                == ReportFigures.days(preset).map(\.gatewayStatusClasses))
    }

    /// The OpenTelemetry-style log against its records read independently (JSONSerialization).
    @Test func anOpenTelemetryGenAILogIsReadThroughItsMapping() throws {
        let mapping = try FieldMapping.load(path: Self.fixture("otel-genai-mapping.json").path)
        let summary = Self.analyse(Self.fixture("otel-genai.jsonl").path, mapping: mapping)
        let source = summary.sources[0]
        #expect(source.lines == 5 && source.parsed == 3)
        #expect(source.rejected[RejectReason.badTimestamp.rawValue] == 1)
        #expect(source.rejected[RejectReason.missingModel.rawValue] == 1)
        var expected: [String: FormatPresetTests.ModelFigures] = [:]
        var latencies: [Double] = []
        for line in try String(contentsOf: Self.fixture("otel-genai.jsonl"), encoding: .utf8).split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let attributes = object["attributes"] as? [String: Any] ?? [:]
            guard let model = attributes["gen_ai.request.model"] as? String,
                Double("\(object["timeUnixNano"] ?? "")") != nil
            else { continue }
            var figures = expected[model, default: .init()]
            figures.records += 1
            figures.promptTokens += Int("\(attributes["gen_ai.usage.input_tokens"]!)")!
            figures.completionTokens += Int("\(attributes["gen_ai.usage.output_tokens"]!)")!
            expected[model] = figures
            latencies.append(Double("\(object["duration_ns"]!)")! / 1e6)
        }
        #expect(FormatPresetTests.figures(summary) == expected)
        #expect(summary.inference.clients.entries.map { "\($0.key) \($0.count)" } == ["k-8ad8e9 2", "k-5c4a11 1"])
        // `client.address` "-" is absent: two addresses, not three.
        #expect(summary.inference.addresses.total == 2)
        let first = try String(contentsOf: Self.fixture("otel-genai.jsonl"), encoding: .utf8).split(separator: "\n")[0]
        try FormatPresetTests.withPreset(String(first), FieldMappingParser(mapping).parse) { record, text in
            #expect(record.timestampMillis == 1_763_337_695_123)
            #expect(text(record.host) == "inf-7" && text(record.modelVersion) == "gpt-4o-mini-2024-07-18")
            #expect(record.status == 200 && record.completionTokens == 118)
            #expect(abs(record.latencyMillis - latencies[0]) < 1e-9)
            #expect(text(record.requestID) == "chatcmpl-AaB1")
        }
    }

    /// Units and coercions, one field at a time.
    @Test func unitsAndCoercions() throws {
        func read(_ mappingText: String, _ line: String) throws -> ParsedRecord {
            let parser = FieldMappingParser(try Self.mapping(mappingText))
            var result = ParsedRecord()
            try FormatPresetTests.withPreset(line, parser.parse) { record, _ in result = record }
            return result
        }
        let base = "kind: access\nfields:\n"
        for (unit, value, millis) in [
            ("s", "1763337695.5", Int64(1_763_337_695_500)), ("ms", "\"1763337695123\"", 1_763_337_695_123),
            ("us", "1763337695123456", 1_763_337_695_123), ("ns", "\"1763337695123456789\"", 1_763_337_695_123),
        ] {
            let record = try read(base + "  ts: {path: t, unit: \(unit)}\n", "{\"t\":\(value)}")
            #expect(record.timestampMillis == millis, "unit \(unit)")
        }
        // Without a unit: RFC 3339 with its offset, a common-log time, or the native epoch rule.
        #expect(
            try read(base + "  ts: t\n", #"{"t":"2025-11-17T01:00:00+01:00"}"#).timestampMillis == 1_763_337_600_000)
        #expect(
            try read(base + "  ts: t\n", #"{"t":"17/Nov/2025:00:00:00 +0000"}"#).timestampMillis == 1_763_337_600_000)
        #expect(try read(base + "  ts: t\n", #"{"t":1763337600}"#).timestampMillis == 1_763_337_600_000)
        for (unit, factor) in [("s", 1000.0), ("ms", 1), ("us", 0.001), ("ns", 0.000_001)] {
            let record = try read(
                base + "  ts: t\n  latency_ms: {path: d, unit: \(unit)}\n", #"{"t":1763337600,"d":"250"}"#)
            #expect(abs(record.latencyMillis - 250 * factor) < 1e-9, "unit \(unit)")
        }
        // Deep paths, "-" as absent, a request line without a protocol, numbers as text.
        let record = try read(
            base + "  ts: a.b.c.t\n  ip: a.ip\n  request: a.req\n  status: a.b.s\n  client: k\n",
            #"{"x":[1,{"y":2}],"a":{"ip":"-","req":"GET /only","b":{"s":"404","c":{"t":1763337600}}},"k":""}"#)
        #expect(record.address.isAbsent && record.client.isAbsent)
        #expect(record.method.count == 3 && record.path.count == 5)
        #expect(record.status == 404 && record.timestampMillis == 1_763_337_600_000)
        // A bad or missing time rejects the line with its reason; so does a missing model.
        #expect(throws: LineRejection.self) { try read(base + "  ts: t\n", #"{"t":"yesterday"}"#) }
        do {
            _ = try read(base + "  ts: t\n", #"{"u":1}"#)
            Issue.record("a record without its time was accepted")
        } catch let rejection as LineRejection {
            #expect(rejection.reason == .missingTimestamp)
        }
        do {
            _ = try read("fields:\n  ts: t\n  model: m\n", #"{"t":1763337600,"m":"-"}"#)
            Issue.record("an inference record without its model was accepted")
        } catch let rejection as LineRejection {
            #expect(rejection.reason == .missingModel)
        }
    }

    /// Each mistake is an error naming the file, line and column, with a suggestion for a typo.
    @Test(arguments: [
        (
            "kind: access\nfeilds:\n  ts: t\n",
            "mapping.yaml:2:1: unknown key 'feilds' in the top level; did you mean 'fields'?"
        ),
        ("fields:\n  ts: t\n  mdel: m\n", "mapping.yaml:3:3: unknown key 'mdel' in fields; did you mean 'model'?"),
        ("fields:\n  ts: {path: t, unit: min}\n  model: m\n", "mapping.yaml:2:23: 'unit' is one of s, ms, us, ns"),
        (
            "fields:\n  ts: {pat: t}\n  model: m\n",
            "mapping.yaml:2:8: unknown key 'pat' in fields.ts; did you mean 'path'?"
        ),
        (
            "fields:\n  ts: t\n  model: m\n  status: {path: s, unit: ms}\n",
            "'unit' applies to 'ts' and 'latency_ms' only"
        ),
        ("kind: gateway\nfields:\n  ts: t\n", "mapping.yaml:1:7: 'kind' is 'inference' or 'access'"),
        ("fields:\n  ts: t\n", "an inference mapping needs 'model'"),
        ("kind: access\nfields:\n  ip: a\n", "an access mapping needs 'ts'"),
        ("fields:\n  ts: t\n  model: a\n  host: a.b\n", "'model' (a) holds 'host' (a.b): a value cannot be both"),
        ("fields:\n  ts: t\n  model: a..b\n", "mapping.yaml:3:10: 'model': a path needs a key at every step"),
        ("fields:\n  ts: t\n  model: 3\n", "'model' takes a path"),
    ])
    func mistakesNameTheirLine(text: String, message: String) {
        do {
            _ = try Self.mapping(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func jsonMappingErrorsNameTheirLineToo() {
        do {
            _ = try Self.mapping(
                "{\n  \"fields\": {\n    \"ts\": \"t\",\n    \"latncy_ms\": \"l\"\n  }\n}", file: "m.json")
            Issue.record("accepted a misspelt field")
        } catch {
            #expect(error.description.hasPrefix("m.json:4:5: unknown key 'latncy_ms'"), "\(error.description)")
            #expect(error.description.contains("did you mean 'latency_ms'?"))
        }
    }

    /// The built binary: a mapping file as `--input-format`, and a broken one as exit 2.
    @Test func analyzeReadsThroughAMappingFileAndRefusesABrokenOne() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let summaryFile = folder.appendingPathComponent("summary.json")
        let good = try CommandLineTests.run([
            "analyze", Self.fixture("otel-genai.jsonl").path, "--input-format",
            Self.fixture("otel-genai-mapping.json").path, "--summary-json", summaryFile.path, "--no-progress",
        ])
        #expect(good.status == 0, "\(good.standardError)")
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: summaryFile)) as? [String: Any])
        let sources = try #require(summary["sources"] as? [[String: Any]])
        #expect(sources.first?["format"] as? String == "mapping-inference")
        #expect(sources.first?["parsed"] as? Int == 3)
        let broken = folder.appendingPathComponent("broken.yaml")
        try Data("kind: access\nfields:\n  ts: t\n  user_agnet: ua\n".utf8).write(to: broken)
        let bad = try CommandLineTests.run([
            "analyze", Self.fixture("nginx-json.log").path, "--input-format", broken.path,
        ])
        #expect(bad.status == 2)
        #expect(bad.standardError.contains("broken.yaml:4:3: unknown key 'user_agnet'"), "\(bad.standardError)")
        let missing = try CommandLineTests.run([
            "analyze", Self.fixture("nginx-json.log").path, "--input-format", "no-such-preset",
        ])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("nginx-json"))
    }
}
