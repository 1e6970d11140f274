import Foundation
import Testing

@testable import ModelWatchCore

/// `--events-format ecs|ocsf` validated against the published schemas (extracted into
/// `Tests/Fixtures/schemas/` from their sources; see the README beside the fixtures) with the
/// `jsonschema` validator, and `--summary-json` checked against the records it summarises.
@Suite(.serialized) struct OutputFormatTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let schemas = repository.appendingPathComponent("Tests/Fixtures/schemas")

    /// Runs `tools/validate_siem_events.py SCHEMA FILE`; returns its exit status and output.
    static func validate(schema: String, documents: URL) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", repository.appendingPathComponent("tools/validate_siem_events.py").path,
            schemas.appendingPathComponent(schema).path, documents.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func objects(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    /// The sample archive's events, once for both formats.
    static let sampleEvents: [Event] = {
        var options = AnalysisOptions(threads: 2)
        options.futureLimitMillis = .max
        let analysis = Analysis(configuration: AnalysisConfiguration(options: options))
        let sources = try! InputDiscovery.expand([repository.appendingPathComponent("samples").path])
        return analysis.evaluate(analysis.read(sources)).events
    }()

    @Test(arguments: [
        (EventDocumentFormat.ecs, "ecs-8.17.0.schema.json"), (.ocsf, "ocsf-1.5.0-detection_finding.schema.json"),
    ])
    func samplesValidateAgainstThePublishedSchema(format: EventDocumentFormat, schema: String) throws {
        let events = Self.sampleEvents
        #expect(events.count >= 10)
        let text = events.map { format.line(for: $0) + "\n" }.joined()
        let file = try TestSupport.temporaryDirectory().appendingPathComponent("events.jsonl")
        try Data(text.utf8).write(to: file)
        let (status, output) = try Self.validate(schema: schema, documents: file)
        #expect(status == 0, "\(output)")
        #expect(output.contains("\(events.count) documents, 0 violations"))
        // One document per event, and SPEC.md's members in each.
        let documents = try Self.objects(text)
        #expect(documents.count == events.count)
        for (document, event) in zip(documents, events) {
            let controls = event.type.controls
            switch format {
            case .ecs:
                let ecsEvent = document["event"] as! [String: Any]
                #expect(ecsEvent["kind"] as? String == "alert" && ecsEvent["id"] as? String == event.id)
                #expect(ecsEvent["start"] != nil && ecsEvent["end"] != nil && document["@timestamp"] != nil)
                #expect((document["rule"] as? [String: Any])?["id"] as? String == event.type.rawValue)
                let labels = document["labels"] as! [String: String]
                #expect(labels["iso27001_2022"] == controls.iso2022.joined(separator: ","))
                let technique = ((document["threat"] as? [String: Any])?["technique"] as? [String: Any])?["id"]
                #expect((technique as? [String] ?? []) == event.atlas)
            case .ocsf:
                #expect(document["class_uid"] as? Int == 2004)
                #expect(document["type_uid"] as? Int == 2004 * 100 + (document["activity_id"] as! Int))
                #expect(document["severity_id"] as? Int == event.severity.rawValue + 1)
                let info = document["finding_info"] as! [String: Any]
                let tags = (info["tags"] as! [[String: String]]).map { $0["value"]! }
                #expect(tags == controls.iso2022 + controls.iso2013)
                let labels = (document["metadata"] as! [String: Any])["labels"] as! [String]
                #expect(labels.contains("iso27001_2022:" + controls.iso2022[0]))
                let attacks = (info["attacks"] as? [[String: Any]] ?? []).map {
                    ($0["technique"] as! [String: String])["uid"]!
                }
                #expect(attacks == event.atlas)
            case .native:
                break
            }
        }
        #expect(events.contains { !$0.atlas.isEmpty })
    }

    /// The validator fails on a document the schema refuses, so the test above can fail.
    @Test func validatorRejectsAnInvalidDocument() throws {
        let folder = try TestSupport.temporaryDirectory()
        let ecs = folder.appendingPathComponent("ecs.jsonl")
        try Data(#"{"@timestamp":"2026-11-17T00:00:00Z","ecs":{"version":"8.17.0"},"event":{"kind":"alarm"}}"#.utf8)
            .write(to: ecs)
        #expect(try Self.validate(schema: "ecs-8.17.0.schema.json", documents: ecs).0 == 1)
        let ocsf = folder.appendingPathComponent("ocsf.jsonl")
        let event = Self.sampleEvents[0]
        var finding = EventOCSF.finding(for: event)
        finding = finding.replacingOccurrences(of: "\"class_uid\":2004", with: "\"class_uid\":2003")
        try Data(finding.utf8).write(to: ocsf)
        #expect(try Self.validate(schema: "ocsf-1.5.0-detection_finding.schema.json", documents: ocsf).0 == 1)
    }

    @Test func summaryJSONOfThePresetFixtures() throws {
        let folder = try TestSupport.temporaryDirectory()
        let output = folder.appendingPathComponent("summary.json")
        let events = folder.appendingPathComponent("events.jsonl")
        let run = try CommandLineTests.run([
            "analyze", Self.repository.appendingPathComponent("Tests/Fixtures/formats").path, "--no-progress",
            "--summary-json", output.path, "--events", events.path, "--events-format", "ocsf",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as! [String: Any]
        #expect(summary["version"] as? Int == 1)
        let sources = summary["sources"] as! [[String: Any]]
        let formats = Dictionary(
            uniqueKeysWithValues: sources.map {
                (URL(fileURLWithPath: $0["path"] as! String).lastPathComponent, $0["format"] as? String)
            })
        #expect(
            formats["bedrock.jsonl"] == "bedrock" && formats["alb.log"] == "alb" && formats["gcp-lb.jsonl"] == "gcp-lb")
        #expect(formats["litellm-payload.json"] == "litellm" && formats["kong-ai.jsonl"] == "kong-ai")
        #expect(formats["sagemaker-capture.jsonl"] == "sagemaker-capture" && formats["nginx-json.log"] == "nginx-json")
        #expect(formats["README.md"] == nil)  // notes inside a directory are skipped
        let alb = sources.first { ($0["path"] as! String).hasSuffix("alb.log") }!
        #expect(alb["kind"] as? String == "access" && alb["lines"] as? Int == 10 && alb["parsed"] as? Int == 3)
        let rejected = alb["rejected"] as! [String: Int]
        #expect(rejected[RejectReason.nlbLine.name] == 4 && rejected[RejectReason.albConnectionLine.name] == 3)
        for source in sources {
            let rejectedCount = (source["rejected"] as! [String: Int]).values.reduce(0, +)
            #expect(source["lines"] as! Int == (source["parsed"] as! Int) + rejectedCount)
        }
        let models = Dictionary(
            uniqueKeysWithValues: (summary["models"] as! [[String: Any]]).map { ($0["model"] as! String, $0) })
        let haiku = models["us.anthropic.claude-haiku-4-5-20251001-v1:0"]!
        #expect(haiku["records"] as? Int == 1 && haiku["prompt_tokens"] as? Int == 62)
        #expect(haiku["completion_tokens"] as? Int == 36)
        #expect(models["gpt-4o"]?["prompt_tokens"] as? Int == 10)
        #expect(models["gpt-4o-mini"]?["records"] as? Int == 2)
        let controls = summary["controls"] as! [[String: Any]]
        #expect(controls.count == EventType.allCases.count)
        let written = try String(contentsOf: events, encoding: .utf8).split(separator: "\n")
        #expect(summary["events"] as? Int == written.count)
    }

    @Test func unwritableOutputExitsThreeAndSaysWhy() throws {
        let run = try CommandLineTests.run([
            "analyze", FormatPresetTests.fixture("gcp-lb.jsonl").path, "--no-progress",
            "--summary-json", "/nonexistent-folder/summary.json",
        ])
        #expect(run.status == 3)
        #expect(run.standardError.contains("cannot write the summary JSON to /nonexistent-folder/summary.json"))
        let usage = try CommandLineTests.run([
            "analyze", FormatPresetTests.fixture("gcp-lb.jsonl").path, "--input-format", "splunk",
        ])
        #expect(usage.status == 2 && usage.standardError.contains("--input-format takes one of"))
    }
}
