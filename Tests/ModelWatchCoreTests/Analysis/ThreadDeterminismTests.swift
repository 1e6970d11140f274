import Foundation
import Testing

@testable import ModelWatchCore

/// Events and their ids do not depend on `--threads`: memory budgets are per run, never divided
/// by the worker count (issue 15: from 32 threads the abuse budget shrank, windows grew and ids
/// changed; at 1000 an event started a month before any data).
@Suite struct ThreadDeterminismTests {
    static func eventLines(_ paths: [String], threads: Int, budget: Int? = nil) throws -> [String] {
        var options = AnalysisOptions(threads: threads)
        // One instant for every run, so `future_timestamps` cannot differ between them.
        options.futureLimitMillis = 1_900_000_000_000
        if let budget { options.abuseBudget = budget }
        let analysis = Analysis(configuration: AnalysisConfiguration(options: options))
        let summary = analysis.read(try InputDiscovery.expand(paths))
        return analysis.evaluate(summary).events.map(Self.comparable)
    }

    /// The event's JSON line, whole, except for the `abuse.*` events, whose evidence and message
    /// keep only the verdict (as `tools/compare_thread_counts.py` compares): their per-client
    /// statistics that follow the order of a client's records (PRADA's Shapiro-Wilk over the
    /// distances from each query to the client's earlier ones, the inter-arrival variation of
    /// `abuse.rate`) are computed per worker over the records that worker saw, so their values
    /// still depend on how chunks were split (seen: W 0.6616 against 0.6754 at 1000 threads;
    /// `inter_arrival_cv` 0.792 against 0.774 on the samples at 1 and 2 threads once decoding got
    /// faster and chunks went to other workers). Known and left for the abuse feature (issue 15);
    /// type, severity, window, entity and id do not move.
    static func comparable(_ event: Event) -> String {
        guard event.typeName.hasPrefix("abuse.") else { return EventJSON.line(for: event) }
        var verdict = event
        verdict.evidence = []
        verdict.message = ""
        return EventJSON.line(for: verdict)
    }

    @Test func theSampleArchiveGivesTheSameEventsOnOneTwoSevenAndThirtyTwoThreads() throws {
        let reference = try Self.eventLines([SampleArchiveTests.samples.path], threads: 1)
        #expect(reference.contains { $0.contains("\"type\":\"abuse.rate\"") })
        for threads in [2, 7, 32] {
            let lines = try Self.eventLines([SampleArchiveTests.samples.path], threads: threads)
            #expect(lines == reference, "threads \(threads): \(Set(lines).symmetricDifference(reference).sorted())")
        }
    }

    @Test func noEventStartsBeforeTheDataEvenOnAThousandThreads() throws {
        let lines = try Self.eventLines([SampleArchiveTests.samples.path], threads: 1000)
        let reference = try Self.eventLines([SampleArchiveTests.samples.path], threads: 1)
        #expect(lines == reference, "\(Set(lines).symmetricDifference(reference).sorted())")
        let summary = try TestSupport.analyze([SampleArchiveTests.samples.path], threads: 1)
        let firstRecord = try #require(summary.sources.map(\.firstMillis).min())
        // Windows are aligned (abuse windows to the hour), so an event may start up to one
        // window before its first record; the bug was a month.
        let earliestAllowed = TimestampParser.formatRFC3339(millis: firstRecord - AbuseState.initialWindowMillis)
        let starts = lines.compactMap { line -> String? in
            guard let range = line.range(of: "\"start\":\"") else { return nil }
            return String(line[range.upperBound...].prefix(24))
        }
        #expect(!starts.isEmpty && starts.allSatisfy { $0 >= earliestAllowed }, "\(starts.sorted().prefix(3))")
    }
}
