import Foundation
import Testing

@testable import ModelWatchCore

@Suite struct ChangeDetectorTests {
    @Test func sampleRolloutIsOneEventWithItsHostsAndWindow() throws {
        let summary = try TestSupport.analyze([SampleArchiveTests.samples.path], threads: 2)
        let events = ChangeDetector().events(for: summary)
        // Only fraud-scorer 3.2.1 -> 3.3.0 changed; support-llm 2.4.0 ran all along.
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.typeName == "ops.change")
        #expect(event.entity == EventEntity(model: "fraud-scorer"))
        #expect(event.severity == .medium)
        // samples/README.md: first 3.3.0 record 14:01:59.871Z on inf-1, 14:07:39.047Z on inf-2.
        #expect(TimestampParser.formatRFC3339(millis: event.startMillis) == "2026-11-17T14:01:59.871Z")
        #expect(TimestampParser.formatRFC3339(millis: event.endMillis) == "2026-11-17T14:07:39.047Z")
        let evidence = Dictionary(uniqueKeysWithValues: event.evidence)
        #expect(evidence["first_host"] == .text("inf-1"))
        #expect(evidence["last_host"] == .text("inf-2"))
        #expect(evidence["versions_before"] == .text("3.2.1"))
        #expect(evidence["records"] == .integer(2352))
        #expect(event.type.controls.iso2022 == ["8.32"])
    }

    @Test func anApprovedChangeIsInfoOnlyInsideItsWindow() throws {
        let summary = try TestSupport.analyze([SampleArchiveTests.samples.path], threads: 2)
        let approving = try DetectorConfiguration.parse(
            Data(
                #"{"approved_changes":[{"model":"fraud-scorer","version":"3.3.0","from":"2026-11-17T13:00:00Z","to":"2026-11-17T16:00:00Z"}]}"#
                    .utf8))
        #expect(ChangeDetector(configuration: approving).events(for: summary).map(\.severity) == [.info])
        let tooEarly = try DetectorConfiguration.parse(
            Data(
                #"{"approved_changes":[{"model":"fraud-scorer","version":"3.3.0","from":"2026-11-17T00:00:00Z","to":"2026-11-17T12:00:00Z"}]}"#
                    .utf8)
        )
        #expect(ChangeDetector(configuration: tooEarly).events(for: summary).map(\.severity) == [.medium])
        let otherVersion = try DetectorConfiguration.parse(
            Data(
                #"{"approved_changes":[{"model":"fraud-scorer","version":"3.4.0","from":"2026-11-17T00:00:00Z","to":"2026-11-18T00:00:00Z"}]}"#
                    .utf8))
        #expect(ChangeDetector(configuration: otherVersion).events(for: summary).map(\.severity) == [.medium])
    }

    @Test func versionsServingFromTheStartAreNotChanges() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Two versions side by side (a canary) from the first minutes: no change.
        let lines = (0..<600).map { index in
            #"{"ts":"2026-11-17T\#(String(format: "%02d", index / 60)):\#(String(format: "%02d", index % 60)):00Z","model":"m","model_version":"\#(index % 2 == 0 ? "1" : "2")","host":"h\#(index % 3)"}"#
        }
        try Data(lines.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("a.jsonl"))
        let summary = try TestSupport.analyze([folder.path])
        #expect(ChangeDetector().events(for: summary).isEmpty)
    }

    @Test func configErrorsNameTheProblem() {
        #expect(throws: DetectorConfiguration.LoadError.self) {
            try DetectorConfiguration.parse(Data(#"{"approved_changes":[{"model":"m"}]}"#.utf8))
        }
        do {
            _ = try DetectorConfiguration.parse(
                Data(
                    #"{"approved_changes":[{"model":"m","version":"1","from":"yesterday","to":"2026-11-17T00:00:00Z"}]}"#
                        .utf8),
                path: "c.json")
            Issue.record("accepted a bad time")
        } catch {
            #expect(error.description.contains("approved_changes[0].from"))
            #expect(error.description.contains("c.json"))
        }
    }
}
