import Foundation
import Testing

@testable import ModelWatchCore

/// Merging shards' states: the same events as one run over all the inputs, whatever the order
/// and grouping of the shards; files in two shards and runs merged twice are refused.
@Suite struct StateMergeTests {
    static let samples = SampleArchiveTests.samples.path
    /// The shards issue 11's bar names: each inference host, and the gateway.
    static let shardFolders = ["inference/inf-1", "inference/inf-2", "gateway"]

    static func state(_ paths: [String], threads: Int = 2, configure: (inout AnalysisOptions) -> Void = { _ in })
        throws -> AnalysisState
    {
        var options = AnalysisOptions(threads: threads)
        configure(&options)
        let summary = try TestSupport.analyze(paths, threads: threads, configure: configure)
        return AnalysisState(summary: summary, options: options)
    }

    static let shards: [AnalysisState] = {
        // The archive is in the repository; a failure here fails every test that uses it.
        try! shardFolders.map { try state([samples + "/" + $0]) }
    }()

    static func incidents(_ result: AnalysisResult, atLeast severity: Severity = .info) -> [String] {
        result.events.filter { $0.severity >= severity }.map {
            "\($0.typeName) \($0.severity.name) \($0.entity.members.map { "\($0.0)=\($0.1)" }.joined(separator: ",")) \($0.id)"
        }.sorted()
    }

    /// Windows of `expected` that `actual` lacks or holds differently, but for the order the
    /// floating-point latency sums were added in.
    static func differingWindows(_ expected: [WindowKey: StreamWindow], _ actual: [WindowKey: StreamWindow])
        -> [WindowKey: StreamWindow]
    {
        expected.filter { key, window in
            guard var other = actual[key] else { return true }
            guard abs(other.latencySumMillis - window.latencySumMillis) <= 1e-9 * abs(window.latencySumMillis) else {
                return true
            }
            other.latencySumMillis = window.latencySumMillis
            return other != window
        }
    }

    @Test func hostAndGatewayShardsGiveTheEventsOfOneRun() throws {
        let whole = StateFileTests.evaluate(StateFileTests.samplesSummary)
        let merged = try AnalysisState.merging(Self.shards)
        let result = StateFileTests.evaluate(merged.summary)
        #expect(Self.incidents(whole, atLeast: .medium).count >= 6)
        #expect(Self.incidents(result, atLeast: .medium) == Self.incidents(whole, atLeast: .medium))
        // Below medium too. (Evidence figures that depend on how records were split among
        // workers, such as the abuse recorder's per-worker query comparisons, may differ.)
        #expect(Self.incidents(result) == Self.incidents(whole))
        // The sources are those of one run, in the same order, with the same accounting.
        #expect(merged.summary.sources == StateFileTests.samplesSummary.sources)
    }

    /// Window keys name sources by index: after renumbering, each source's records in the
    /// window table are those one run gives it.
    @Test func windowsFollowTheirSourcesWhenRenumbered() throws {
        let merged = try AnalysisState.merging(Self.shards.reversed())
        func recordsPerPath(_ summary: AnalysisSummary) -> [String: Int] {
            summary.windows.reduce(into: [:]) {
                $0[summary.sources[$1.key.source].path, default: 0] += $1.value.records
            }
        }
        let expected = recordsPerPath(StateFileTests.samplesSummary)
        #expect(expected.count == 7)
        #expect(recordsPerPath(merged.summary) == expected)
        let whole = StateFileTests.samplesSummary
        #expect(merged.summary.windowMillis == whole.windowMillis)
        let differing = Self.differingWindows(whole.windows, merged.summary.windows)
        #expect(differing.count == 0)
        #expect(merged.summary.windows.count == whole.windows.count)
        // Each source keeps its own file's time-order check through the renumbering.
        let wholeChecks = Dictionary(uniqueKeysWithValues: whole.sources.map { ($0.path, $0.timeOrder) })
        for source in merged.summary.sources {
            #expect(source.timeOrder == wholeChecks[source.path] ?? nil)
        }
    }

    @Test func theOrderOfTheShardsChangesNothing() throws {
        let reference = StateFileTests.eventLines(
            StateFileTests.evaluate(try AnalysisState.merging(Self.shards).summary))
        let orders = [[1, 0, 2], [2, 1, 0], [0, 2, 1], [2, 0, 1], [1, 2, 0]]
        for order in orders {
            let merged = try AnalysisState.merging(order.map { Self.shards[$0] })
            #expect(StateFileTests.eventLines(StateFileTests.evaluate(merged.summary)) == reference, "\(order)")
        }
    }

    /// (a + b) + c through a state file, a + (b + c), and a + b + c at once: the same events.
    @Test func mergingIsAssociativeThroughStateFiles() throws {
        let (a, b, c) = (Self.shards[0], Self.shards[1], Self.shards[2])
        let all = StateFileTests.eventLines(StateFileTests.evaluate(try AnalysisState.merging([a, b, c]).summary))
        let left = try StateFile.decode(StateFile.encode(try AnalysisState.merging([a, b])))
        let right = try StateFile.decode(StateFile.encode(try AnalysisState.merging([b, c])))
        let leftFirst = try AnalysisState.merging([left, c])
        let rightFirst = try AnalysisState.merging([a, right])
        #expect(StateFileTests.eventLines(StateFileTests.evaluate(leftFirst.summary)) == all)
        #expect(StateFileTests.eventLines(StateFileTests.evaluate(rightFirst.summary)) == all)
        #expect(leftFirst.runIDs == Set([a, b, c].flatMap(\.runIDs)))
    }

    @Test func aStateMergedWithItselfIsRefused() throws {
        let error = try #require(throws: StateFileError.self) {
            try AnalysisState.merging([Self.shards[0], Self.shards[1], Self.shards[0]], names: ["a", "b", "c"])
        }
        #expect(error.description.contains("a and c hold the same analyze run"))
        // A merged state merged again with one of its parts.
        let merged = try AnalysisState.merging([Self.shards[0], Self.shards[1]])
        #expect(throws: StateFileError.self) { try AnalysisState.merging([merged, Self.shards[1]]) }
    }

    /// Another run over a file already in a shard (a different run id): its identity gives it away.
    @Test func aFileInTwoShardsIsRefusedNamingIt() throws {
        let again = try Self.state([Self.samples + "/gateway/access.log"], threads: 1)
        let error = try #require(throws: StateFileError.self) {
            try AnalysisState.merging([Self.shards[2], again], names: ["gateway.state", "again.state"])
        }
        #expect(error.description.contains("gateway/access.log"))
        #expect(error.description.contains("in gateway.state and again.state"))
        #expect(error.description.contains("count it twice"))
        // The same file under another path (a copy) is the same file too.
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("copy.log")
        try FileManager.default.copyItem(atPath: Self.samples + "/gateway/access.log", toPath: copy.path)
        let copied = try Self.state([copy.path], threads: 1)
        #expect(throws: StateFileError.self) { try AnalysisState.merging([Self.shards[2], copied]) }
    }

    @Test func windowLengthsAreCoarsenedToTheLongerOrRefused() throws {
        let gateway = Self.samples + "/gateway"
        let inference = Self.samples + "/inference"
        let fine = try Self.state([gateway]) { $0.windowMillis = 60_000 }
        let coarse = try Self.state([inference]) { $0.windowMillis = 300_000 }
        let merged = try AnalysisState.merging([fine, coarse])
        #expect(merged.summary.windowMillis == 300_000)
        let whole = try TestSupport.analyze([Self.samples], threads: 2) { $0.windowMillis = 300_000 }
        #expect(Self.differingWindows(whole.windows, merged.summary.windows).isEmpty)
        #expect(merged.summary.windows.count == whole.windows.count)

        let odd = try Self.state([inference]) { $0.windowMillis = 7_000 }
        let error = try #require(throws: StateFileError.self) {
            try AnalysisState.merging([fine, odd], names: ["fine", "odd"])
        }
        // The odd shard's 7 s windows grew (7, 14 ... 224 s) to fit its budget; neither nests in the other.
        #expect(error.description.contains("windows, which do not nest in the"))
        #expect(error.description.contains("analyse the shards with the same --window-seconds"))
    }

    @Test func profilesKeptBySomeShardsOnlyAreRefused() throws {
        let without = try Self.state([Self.samples + "/inference/inf-1"]) { $0.profileWindowMillis = nil }
        let error = try #require(throws: StateFileError.self) {
            try AnalysisState.merging([Self.shards[1], without], names: ["with", "without"])
        }
        #expect(error.description.contains("with kept drift profiles and without did not"))
    }
}
