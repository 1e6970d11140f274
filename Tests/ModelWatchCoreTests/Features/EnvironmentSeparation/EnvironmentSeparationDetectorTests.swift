import Foundation
import Testing

@testable import ModelWatchCore

@Suite struct EnvironmentSeparationDetectorTests {
    @Test(arguments: [
        ("fraud-scorer-dev", "dev"), ("staging", "staging"), ("k_qa_01", "qa"), ("llm-test2", "test"),
        ("Fraud.STAGING.v2", "staging"),
    ])
    func marksNonProductionNames(name: String, marker: String) {
        #expect(EnvironmentSeparationDetector().marker(in: name) == marker)
    }

    @Test(arguments: ["fraud-scorer", "latest", "device-classifier", "k-8ad8e9", "contest", "testimony", "k-5c4a11"])
    func leavesOrdinaryNamesAlone(name: String) {
        #expect(EnvironmentSeparationDetector().marker(in: name) == nil)
    }

    @Test func samplesAreProductionOnlyAndAStagingModelIsFound() throws {
        let quiet = try TestSupport.analyze([SampleArchiveTests.samples.path])
        #expect(EnvironmentSeparationDetector().events(for: quiet).isEmpty)
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let lines = [
            #"{"ts":"2026-11-17T10:00:00Z","model":"fraud-scorer-staging","client":"k-1","host":"inf-1"}"#,
            #"{"ts":"2026-11-17T10:05:00Z","model":"fraud-scorer","client":"k-test-harness","host":"inf-1"}"#,
        ]
        try Data(lines.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("a.jsonl"))
        let events = EnvironmentSeparationDetector().events(for: try TestSupport.analyze([folder.path]))
        #expect(events.map(\.typeName) == ["ops.env_separation.model", "ops.env_separation.principal"])
        #expect(events[0].entity == EventEntity(model: "fraud-scorer-staging"))
        #expect(events[1].entity == EventEntity(client: "k-test-harness"))
        #expect(events.allSatisfy { $0.type.controls.iso2022 == ["8.31"] })
    }
}
