import Dispatch
import Foundation

/// The incremental form of `Analysis` that `live` runs: line chunks go into per-worker
/// `ChunkAggregator`s (the batch parsers and aggregation, unchanged); at each evaluation the
/// workers' slice is merged into one growing `AnalysisSummary` and the *same* `evaluate` that
/// batch calls runs over it, so the events (and their ids) are batch's over the records read so
/// far. `IncidentTracker` turns successive evaluations into create/update/close lines.
///
/// Evaluations happen when the run's watermark (`EventClock`) closes a window, at most once per
/// closed window (so at most one `update` per window), and no more often than
/// `minimumEvaluationIntervalMillis` of wall time and `evaluationCostFactor` times what the
/// last evaluation cost: when a replay moves event time faster than the clock, windows close
/// faster than they can each be evaluated, and the loop must keep reading.
///
/// Not thread-safe: one `live` loop owns it; the workers it starts each own one aggregator.
public final class LiveAnalysis {
    public let analysis: Analysis
    public private(set) var clock: EventClock
    public private(set) var tracker: IncidentTracker
    /// Everything read and evaluated so far (the slice being read is merged in at evaluation).
    public private(set) var summary: AnalysisSummary
    private var aggregators: [ChunkAggregator] = []
    /// Sources the current aggregators were made for; a chunk of a newer source ends the slice.
    private var aggregatorSourceCount = 0
    private var sourcePaths: [String]
    /// The time-order check of every source, in file order. A resumed run starts it from the
    /// checkpoint's checks (`SourceStatistics.timeOrder`), so a backward step that spans the
    /// restart is seen as one uninterrupted run sees it.
    private var ledger: TimeOrderLedger
    /// Per resumed source, the chunk sequence its check expects next: a resumed file's framer
    /// numbers its chunks from 0 again, so they are renumbered after the checkpoint's.
    private var sequenceBase: [Int: Int] = [:]
    /// The token maker of `--pseudonymize` (nil without it); each worker gets its own copy.
    private let pseudonymizer: Pseudonymizer?
    private var pending: [(LineChunk, LogFormat)] = []
    private var pendingBytes = 0
    private var lastEvaluatedWindowEnd: Int64 = .min
    private var lastEvaluationWallMillis: Int64 = .min
    private var lastEvaluationCostMillis: Int64 = 0
    /// Reader-side facts waiting for the next merge: bytes of plain followed files, and the
    /// batch reader's accounting of archives (gzip ending, damage, over-long lines).
    private var plainBytes: [Int: Int64] = [:]
    private var archiveOutcomes: [(sourceIndex: Int, outcome: SourceReader.Outcome)] = []
    private var archiveSources = Set<Int>()
    /// The events of the last evaluation (after `finish`: batch's events over everything read).
    public private(set) var lastEvents: [Event] = []
    /// Lines parsed (or rejected) so far, for the status line.
    public private(set) var linesRead = 0

    /// Shortest wall time between two evaluations: a second keeps events "within seconds"
    /// (SPEC.md) while a fast replay does not spend its time re-evaluating.
    public static let minimumEvaluationIntervalMillis: Int64 = 1_000
    /// An evaluation waits at least this many times the last one's cost, so evaluating takes at
    /// most a fifth of the loop's time however large the summary grows.
    public static let evaluationCostFactor: Int64 = 4

    public init(
        analysis: Analysis, latenessMillis: Int64, summary: AnalysisSummary? = nil,
        tracker: IncidentTracker = IncidentTracker(), sourcePaths: [String] = []
    ) {
        self.analysis = analysis
        let options = analysis.configuration.options
        clock = EventClock(latenessMillis: latenessMillis, windowMillis: options.windowMillis)
        self.tracker = tracker
        self.sourcePaths = sourcePaths
        pseudonymizer = options.pseudonymizationKey.flatMap { try? Pseudonymizer(key: $0) }
        let summary = summary ?? Self.emptySummary(options: options, sourcePaths: sourcePaths)
        var checks: [Int: TimeOrderCheck] = [:]
        for (index, source) in summary.sources.enumerated() {
            guard let order = source.timeOrder else { continue }
            checks[index] = order
            sequenceBase[index] = order.nextSequence
        }
        ledger = TimeOrderLedger(toleranceMillis: options.backwardToleranceMillis, resuming: checks)
        self.summary = summary
    }

    static func emptySummary(options: AnalysisOptions, sourcePaths: [String]) -> AnalysisSummary {
        var summary = AnalysisSummary(
            windowMillis: options.windowMillis, sources: sourcePaths.map(SourceStatistics.init(path:)),
            principalCapacity: options.principalCapacity)
        summary.profiles = ModelProfiles(windowMillis: options.profileWindowMillis ?? ModelProfiles.defaultWindowMillis)
        return summary
    }

    /// Takes a chunk of whole lines; chunks are parsed in batches (one per worker).
    /// `sourcePaths` is the follower's source list (it grows as files appear).
    public func accept(_ chunk: inout LineChunk, format kind: LogFormat, sourcePaths: [String], wallMillis: Int64) {
        if sourcePaths.count != self.sourcePaths.count { self.sourcePaths = sourcePaths }
        if chunk.sourceIndex >= aggregatorSourceCount {
            processPending(wallMillis: wallMillis)
            flushSlice()
        }
        pendingBytes += chunk.bytes.count
        if !archiveSources.contains(chunk.sourceIndex) {
            plainBytes[chunk.sourceIndex, default: 0] += Int64(chunk.bytes.count)
        }
        pending.append((chunk, kind))
        let options = analysis.configuration.options
        if pendingBytes >= options.chunkSize * options.threads { processPending(wallMillis: wallMillis) }
    }

    /// Notes what the batch reader learned of an archive read whole (before its chunks arrive).
    public func noteArchive(_ outcome: SourceReader.Outcome, sourceIndex: Int) {
        archiveSources.insert(sourceIndex)
        archiveOutcomes.append((sourceIndex, outcome))
    }

    /// Sources whose chunks are decoded archive bytes (their byte counts come from the reader).
    public func markArchives(_ sources: Set<Int>) { archiveSources.formUnion(sources) }

    /// Parses the waiting chunks on the workers and moves each source's clock.
    public func processPending(wallMillis: Int64) {
        guard !pending.isEmpty else { return }
        if aggregators.isEmpty || pending.contains(where: { $0.0.sourceIndex >= aggregatorSourceCount }) {
            flushSlice()
            startSlice()
        }
        let closed = clock.closedBefore
        for aggregator in aggregators { aggregator.closedBeforeMillis = closed }
        let batch = pending
        pending = []
        pendingBytes = 0
        let workers = min(aggregators.count, batch.count)
        let results = ParallelResults<(lines: Int, segments: [TimeOrderSegment])>(count: workers)
        let boxes = aggregators.prefix(workers).map(AggregatorBox.init)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            // Each iteration uses only its own aggregator and every workers-th chunk.
            let aggregator = boxes[worker].aggregator
            var lines = 0
            var segments: [TimeOrderSegment] = []
            var index = worker
            while index < batch.count {
                var chunk = batch[index].0
                lines += aggregator.process(&chunk, format: batch[index].1)
                segments.append(aggregator.lastSegment)
                index += workers
            }
            results.set(worker, (lines, segments))
        }
        var touched = Set<Int>()
        for (lines, segments) in results.values {
            linesRead += lines
            for var segment in segments {
                segment.sequence += sequenceBase[segment.sourceIndex] ?? 0
                ledger.add(segment)
            }
        }
        for item in batch { touched.insert(item.0.sourceIndex) }
        for source in touched.sorted() {
            let latest = aggregators.map { $0.latestMillis(ofSource: source) }.max() ?? .min
            clock.observe(source: source, latestMillis: latest, wallMillis: wallMillis)
        }
    }

    private func startSlice() {
        let options = analysis.configuration.options
        let wall = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        aggregatorSourceCount = sourcePaths.count
        aggregators = (0..<options.threads).map { _ in
            ChunkAggregator(
                sourcePaths: sourcePaths, windowMillis: summary.windowMillis, lineCap: options.lineCap,
                accessFormat: options.accessFormat, principalCapacity: options.principalCapacity,
                windowBudget: options.windowBudget, signatures: options.signatures,
                // Stamps more than five minutes after the moment they are read are in the future.
                futureLimitMillis: options.futureLimitMillis == .max
                    ? .max : wall + (options.futureLimitMillis - Self.runStartMillis),
                backwardToleranceMillis: options.backwardToleranceMillis,
                profileWindowMillis: options.profileWindowMillis, profileBudget: options.profileBudget,
                abuseBudget: options.abuseBudget, pseudonymizer: pseudonymizer)
        }
    }

    /// When this process started, to turn the options' absolute future limit into a margin.
    static let runStartMillis = Int64((Date().timeIntervalSince1970 * 1000).rounded())

    /// Merges the workers' slice into the summary and drops the workers.
    private func flushSlice() {
        defer {
            aggregators = []
            aggregatorSourceCount = 0
        }
        if summary.sources.count < sourcePaths.count {
            for path in sourcePaths[summary.sources.count...] { summary.sources.append(SourceStatistics(path: path)) }
        }
        for aggregator in aggregators { summary.merge(aggregator.finish()) }
        for (source, bytes) in plainBytes where source < summary.sources.count {
            summary.sources[source].bytesRead += bytes
            summary.sources[source].bytesDecoded += bytes
        }
        plainBytes = [:]
        for (source, outcome) in archiveOutcomes where source < summary.sources.count {
            // As `ChunkAggregator.noteReader` and `noteDroppedLines` do in batch.
            var readerOnly = outcome.statistics
            readerOnly.lines = 0
            readerOnly.parsed = 0
            readerOnly.rejected = [Int](repeating: 0, count: RejectReason.allCases.count)
            summary.sources[source].merge(readerOnly)
            if outcome.droppedLines > 0 {
                summary.sources[source].lines += outcome.droppedLines
                summary.sources[source].rejected[RejectReason.lineTooLong.rawValue] += outcome.droppedLines - 1
                summary.sources[source].reject(.lineTooLong, at: outcome.firstDroppedOffset ?? 0)
            }
        }
        archiveOutcomes = []
        summary.coarsen(toFit: analysis.configuration.options.windowBudget)
    }

    /// Drops what no detector reads any more: for each feature with a look-back
    /// (`AnalysisFeature.lookBackMillis`), its state older than the look-back behind the
    /// watermark. So a stream of weeks holds the look-backs' worth of state, not everything since
    /// it started; incidents within the look-back get batch's verdicts, as every window they
    /// are judged on is still there.
    private func evict(watermark: Int64) {
        guard watermark != .min && watermark != .max else { return }
        for feature in Analysis.features {
            guard let lookBack = feature.lookBackMillis(under: analysis.configuration) else { continue }
            let (cutoff, overflow) = watermark.subtractingReportingOverflow(lookBack)
            if !overflow { feature.evict(&summary, before: cutoff) }
        }
    }

    /// Everything read so far merged into the summary (for a checkpoint): whole lines only.
    public func settledSummary(wallMillis: Int64) -> AnalysisSummary {
        processPending(wallMillis: wallMillis)
        flushSlice()
        return summaryForEvaluation()
    }

    private func summaryForEvaluation() -> AnalysisSummary {
        var copy = summary
        for (source, order) in ledger.result() where source < copy.sources.count {
            copy.sources[source].timeOrder = order
        }
        return copy
    }

    /// Moves the clock by the wall time and, when a window closed and an evaluation is due,
    /// evaluates and returns the incident lines to write.
    public func tick(wallMillis: Int64) -> [IncidentTracker.Line] {
        clock.tick(wallMillis: wallMillis)
        let watermark = clock.watermark(wallMillis: wallMillis)
        guard watermark != .min else { return [] }
        let windowEnd = EventClock.floor(watermark, to: clock.windowMillis)
        guard windowEnd > lastEvaluatedWindowEnd else { return [] }
        let wait = max(Self.minimumEvaluationIntervalMillis, Self.evaluationCostFactor * lastEvaluationCostMillis)
        guard lastEvaluationWallMillis == .min || wallMillis - lastEvaluationWallMillis >= wait else { return [] }
        lastEvaluatedWindowEnd = windowEnd
        return evaluate(watermark: watermark, final: false, wallMillis: wallMillis)
    }

    /// The last evaluation: every record read is in, every window closes, every open incident
    /// is written and closed (SIGINT, SIGTERM, end of standard input).
    public func finish(wallMillis: Int64) -> [IncidentTracker.Line] {
        evaluate(watermark: .max, final: true, wallMillis: wallMillis)
    }

    private func evaluate(watermark: Int64, final: Bool, wallMillis: Int64) -> [IncidentTracker.Line] {
        let started = DispatchTime.now().uptimeNanoseconds
        processPending(wallMillis: wallMillis)
        flushSlice()
        if !final { evict(watermark: watermark) }
        let result = analysis.evaluate(summaryForEvaluation())
        lastEvents = result.events
        let lines = tracker.lines(for: result.events, watermarkMillis: watermark, final: final)
        lastEvaluationCostMillis = Int64((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
        lastEvaluationWallMillis = wallMillis
        return lines
    }

    /// Continues the clocks of a resumed run (late records stay late after a restart).
    public func restoreClock(_ saved: EventClock) { clock = saved }

    /// The run's watermark now (`.min` before the first record).
    public func watermark(wallMillis: Int64) -> Int64 { clock.watermark(wallMillis: wallMillis) }

    /// Late records across all sources, read so far (summary plus the slice being read).
    public var lateRecords: Int { summary.sources.reduce(0) { $0 + $1.lateRecords } }
}

@available(*, unavailable)
extension LiveAnalysis: Sendable {}

/// Carries one worker's aggregator into its own `concurrentPerform` iteration.
private struct AggregatorBox: @unchecked Sendable {
    let aggregator: ChunkAggregator
}

/// One result slot per worker, filled from inside `concurrentPerform`.
final class ParallelResults<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]

    init(count: Int) { slots = [Value?](repeating: nil, count: count) }

    func set(_ index: Int, _ value: Value) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var values: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.compactMap { $0 }
    }
}
