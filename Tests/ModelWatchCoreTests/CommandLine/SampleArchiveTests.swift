import Foundation
import Testing

@testable import ModelWatchCore

/// The samples/ archive, analysed end to end, against the counts its generator wrote in
/// samples/README.md (an independent Python implementation of the formats).
@Suite struct SampleArchiveTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples")

    @Test func countsMatchTheGeneratorsManifest() throws {
        let summary = try TestSupport.analyze([Self.samples.path], threads: 2)
        let byFile = Dictionary(
            uniqueKeysWithValues: summary.sources.map { source in
                (String(source.path.dropFirst(Self.samples.path.count + 1)), source)
            })
        #expect(byFile.count == 7)  // README.md is skipped
        // (lines, parsed, rejected) from samples/README.md's file table.
        let expected: [String: (Int, Int, Int)] = [
            "inference/inf-1/2026-11-16.jsonl.gz": (3366, 3366, 0),
            "inference/inf-1/2026-11-17.jsonl.gz": (4048, 4046, 2),
            "inference/inf-2/2026-11-16.jsonl.gz": (3305, 3305, 0),
            "inference/inf-2/2026-11-17.jsonl.gz": (3944, 3944, 0),
            "inference/inf-2/2026-11-15-partial.jsonl.gz": (299, 298, 1),
            "gateway/access.log.1.gz": (24768, 24768, 0),
            "gateway/access.log": (18830, 18827, 3),
        ]
        for (file, counts) in expected {
            let source = try #require(byFile[file], "\(file)")
            #expect(source.lines == counts.0, "\(file)")
            #expect(source.parsed == counts.1, "\(file)")
            #expect(source.rejectedTotal == counts.2, "\(file)")
        }
        #expect(byFile["gateway/access.log"]?.kind == .access)
        // Line 8008 is the first malformed one; Python: sum(len(l) + 1 for l in lines[:8007]).
        #expect(byFile["gateway/access.log"]?.firstRejection?.offset == 1_195_051)
        #expect(byFile["gateway/access.log.1.gz"]?.compression == .gzip)
        #expect(byFile["inference/inf-1/2026-11-16.jsonl.gz"]?.gzipMembers == 6)
        #expect(byFile["inference/inf-2/2026-11-15-partial.jsonl.gz"]?.gzipEnding == .truncated)
        // The access log's -05:00 times are normalised: the rotated file ends at 04:59:56 UTC.
        // Python: calendar.timegm((2026, 11, 17, 4, 59, 56, 0, 0, 0)) * 1000
        #expect(byFile["gateway/access.log.1.gz"]?.lastMillis == 1_794_891_596_000)
        let models = SummaryReport.modelTotals(summary)
        #expect(models.map(\.model) == ["fraud-scorer", "support-llm"])
        #expect(models[0].versions == ["3.2.1", "3.3.0"])
        #expect(models[0].window.records + models[1].window.records == 14_661 + 298)
        // Credential stuffing reached only the gateway: 60 failures from one address.
        let stuffer = summary.gateway.addresses.entries.first { $0.key == "45.155.205.33" }
        #expect(stuffer?.activity.authFailures == 60)
    }
}
