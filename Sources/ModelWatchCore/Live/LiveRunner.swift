import Foundation

/// What `modelwatch live` was asked to do, besides the analysis itself.
public struct LiveSettings: Sendable {
    /// Files and directories to follow, `-` for standard input.
    public var roots: [String]
    public var follow = LogFollower.Configuration()
    /// How far behind its source's latest record a record may be and still be on time (SPEC.md:
    /// 30 s by default).
    public var latenessMillis: Int64 = 30_000
    /// Where incident lines go (`-`: standard output); nil writes none.
    public var eventsPath: String?
    /// How incident lines are written (`--events-format`).
    public var eventsFormat: EventDocumentFormat = .native
    /// The checkpoint file (`--state`); nil keeps no checkpoint.
    public var statePath: String?
    /// Wall time between two checkpoints (a minute by default, as the issue asks).
    public var checkpointIntervalMillis: Int64 = 60_000
    /// Draw the status line (standard error is a terminal).
    public var showStatus = false
    /// How long the loop sleeps when no input had anything new. A tenth of a second: well below
    /// the seconds SPEC.md allows for an event, and cheap (one `stat` per file per second).
    public var idleSleepMillis: Int32 = 100

    public init(roots: [String]) {
        self.roots = roots
    }
}

/// How a `live` run ended.
public struct LiveOutcome: Sendable {
    /// Everything read, for the terminal summary.
    public var summary: AnalysisSummary
    public var checkedTypes: Set<EventType>
    /// The final evaluation's events: what batch reports over the same records.
    public var events: [Event]
    /// Things a person should know (skipped copies, unfinished lines, files gone while stopped).
    public var notes: [String]
    /// Incident lines written.
    public var linesWritten: Int
}

/// The `live` loop: follow the inputs, feed the analysis, write incident lines as windows
/// close, checkpoint, and on SIGINT/SIGTERM or the end of standard input close every window,
/// write the final lines and the checkpoint.
public final class LiveRunner {
    public let analysis: Analysis
    public let settings: LiveSettings
    public let signals: LiveSignals

    public init(analysis: Analysis, settings: LiveSettings, signals: LiveSignals) {
        self.analysis = analysis
        self.settings = settings
        self.signals = signals
    }

    static func wallMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// Runs until a stop signal or the end of standard input.
    public func run() throws -> LiveOutcome {
        var now = Self.wallMillis()
        let checkpoint =
            try settings.statePath.map {
                try LiveCheckpoint.load(
                    path: $0, options: analysis.configuration.options, latenessMillis: settings.latenessMillis)
            } ?? nil
        let follower = LogFollower(
            roots: settings.roots, configuration: settings.follow, sourcePaths: checkpoint?.sourcePaths ?? [],
            resume: checkpoint?.positions ?? [], finished: checkpoint?.finished ?? [], wallMillis: now)
        let live = LiveAnalysis(
            analysis: analysis, latenessMillis: settings.latenessMillis, summary: checkpoint?.summary,
            tracker: IncidentTracker(format: settings.eventsFormat, incidents: checkpoint?.incidents ?? [:]),
            sourcePaths: follower.sourcePaths)
        if let clocks = checkpoint?.clock { live.restoreClock(clocks) }
        live.markArchives(follower.archiveSourceIndices)
        let sink = try settings.eventsPath.map { try EventLineSink(path: $0) }
        var written = 0
        var status = LiveStatusLine()
        var lastCheckpointWallMillis = now

        func write(_ lines: [IncidentTracker.Line]) throws {
            guard let sink else { return }
            for line in lines {
                try sink.write(line: line.text)
                written += 1
            }
        }
        func saveCheckpoint() throws {
            guard let path = settings.statePath else { return }
            let summary = live.settledSummary(wallMillis: now)
            try LiveCheckpoint(
                summary: summary, sourcePaths: follower.sourcePaths, positions: follower.positions,
                finished: follower.knownIdentities, incidents: live.tracker.incidents, clock: live.clock
            ).write(to: path, options: analysis.configuration.options)
            lastCheckpointWallMillis = now
        }

        while signals.stopSignal == nil {
            now = Self.wallMillis()
            if signals.takeReopenRequest() { try sink?.reopen() }
            let read = follower.poll(wallMillis: now) { chunk, kind in
                live.accept(&chunk, format: kind, sourcePaths: follower.sourcePaths, wallMillis: now)
            }
            for (index, outcome) in follower.takeArchiveOutcomes() { live.noteArchive(outcome, sourceIndex: index) }
            live.processPending(wallMillis: now)
            try write(live.tick(wallMillis: now))
            if settings.showStatus {
                status.draw(
                    wallMillis: now, lines: live.linesRead, watermarkMillis: live.watermark(wallMillis: now),
                    lateRecords: live.lateRecords, openIncidents: live.tracker.openCount)
            }
            if now - lastCheckpointWallMillis >= settings.checkpointIntervalMillis { try saveCheckpoint() }
            if follower.standardInputEnded && follower.roots.isEmpty { break }
            if read == 0 { follower.waitForInput(timeoutMillis: settings.idleSleepMillis) }
        }
        now = Self.wallMillis()
        if settings.showStatus { status.clear() }
        try write(live.finish(wallMillis: now))
        try saveCheckpoint()
        var notes = follower.notes
        for (path, bytes) in follower.unfinishedLineBytes {
            notes.append(
                settings.statePath == nil
                    ? "\(path): an unfinished last line (\(bytes) bytes) was not read; with --state a restart reads it once it is whole"
                    : "\(path): an unfinished last line (\(bytes) bytes) was left for the next run (the checkpoint resumes before it)"
            )
        }
        return LiveOutcome(
            summary: live.settledSummary(wallMillis: now), checkedTypes: analysis.checkedTypes, events: live.lastEvents,
            notes: notes,
            linesWritten: written)
    }
}

@available(*, unavailable)
extension LiveRunner: Sendable {}
