import Foundation
import Testing

@testable import ModelWatchCore

/// Create, update, close: each incident's lines as successive evaluations see it grow and end.
@Suite struct IncidentTrackerTests {
    static func probe(end: Int64, count: Int) -> Event {
        Event(
            type: .opsVulnProbe, severity: .medium, startMillis: 1_000_000, endMillis: end,
            entity: EventEntity(ip: "203.0.113.66"), evidence: [("probes", .integer(Int64(count)))],
            message: "probes")
    }

    @Test func anIncidentIsCreatedUpdatedWhileItGrowsAndClosedOnceQuiet() {
        var tracker = IncidentTracker(quietMillis: 60_000)
        let first = tracker.lines(for: [Self.probe(end: 1_010_000, count: 5)], watermarkMillis: 1_020_000)
        #expect(first.map(\.activity) == ["create"])
        // The same evaluation again: nothing new to say.
        #expect(tracker.lines(for: [Self.probe(end: 1_010_000, count: 5)], watermarkMillis: 1_030_000).isEmpty)
        let grown = tracker.lines(for: [Self.probe(end: 1_040_000, count: 9)], watermarkMillis: 1_050_000)
        #expect(grown.map(\.activity) == ["update"])
        #expect(grown[0].text.contains("\"probes\":9") && grown[0].text.hasSuffix(",\"activity\":\"update\"}"))
        let quiet = tracker.lines(for: [Self.probe(end: 1_040_000, count: 9)], watermarkMillis: 1_100_000)
        #expect(quiet.map(\.activity) == ["close"])
        // Closed incidents are never written again, and every line has batch's id.
        #expect(tracker.lines(for: [Self.probe(end: 1_040_000, count: 9)], watermarkMillis: 2_000_000).isEmpty)
        #expect(Set((first + grown + quiet).map(\.id)) == [Self.probe(end: 0, count: 0).id])
        #expect(tracker.openCount == 0)
    }

    @Test func anEventWhoseWindowHasNotClosedWaitsAndTheEndClosesEverything() {
        var tracker = IncidentTracker()
        #expect(tracker.lines(for: [Self.probe(end: 1_010_000, count: 5)], watermarkMillis: 999_999).isEmpty)
        let final = tracker.lines(for: [Self.probe(end: 1_010_000, count: 5)], watermarkMillis: .max, final: true)
        #expect(final.map(\.activity) == ["create", "close"])
    }

    @Test func anIncidentALaterEvaluationNoLongerReportsIsClosedWithItsLastState() {
        var tracker = IncidentTracker()
        _ = tracker.lines(for: [Self.probe(end: 1_010_000, count: 5)], watermarkMillis: 1_020_000)
        let gone = tracker.lines(for: [], watermarkMillis: 1_030_000)
        #expect(gone.map(\.activity) == ["close"])
        #expect(gone[0].text.contains("\"probes\":5"))
    }
}
