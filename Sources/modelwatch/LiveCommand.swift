import ArgumentParser
import Foundation
import ModelWatchCore

struct Live: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Follow log files, directories or standard input (-) as they are written; write incidents as windows close."
    )

    @Argument(help: "Files and directories to follow (as tail -F does), or - for standard input.")
    var paths: [String] = ["-"]

    @Option(help: "Write incident lines (activity create, update, close) to this file (- for standard output).")
    var events: String?

    @Option(
        help:
            "How --events writes each line: native (SPEC.md JSON lines), ecs (Elastic Common Schema alerts) or ocsf (OCSF Detection Findings)."
    )
    var eventsFormat: String = "native"

    @Option(
        help:
            "On exit, write the summary as one JSON object (SPEC.md, Summary JSON) to this file (- for standard output)."
    )
    var summaryJson: String?

    @Option(
        help: ArgumentHelp(
            "Replace client keys and addresses in every output with keyed HMAC-SHA256 tokens (the file holds the secret key, 16 bytes or more).",
            valueName: "keyfile"))
    var pseudonymize: String?

    @Option(help: "Length of the windows the detectors see (e.g. 10s, 1m).")
    var window = "60s"

    @Option(help: "How late a record may arrive behind its source's latest and still be on time (e.g. 5s).")
    var lateness = "30s"

    @Flag(help: "Read what the files already hold first; without it, followed files start at their end.")
    var fromStart = false

    @Option(help: "Checkpoint file: resumes where the last run stopped; saved every minute and on exit.")
    var state: String?

    @Option(help: "Seconds between two checkpoints.")
    var checkpointSeconds: Int = 60

    @Option(help: ArgumentHelp("An nginx log_format string for the access logs.", valueName: "nginx-log-format"))
    var accessFormat: String?

    @Option(help: "A JSON configuration file (approved changes; see README).")
    var config: String?

    @Option(help: "A reference profile written by `modelwatch baseline`; without it, each model's first 24 hours.")
    var baseline: String?

    @Option(help: "Worker threads (default: the number of cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Longest line accepted, in bytes; longer lines are rejected and counted.")
    var lineCap: Int = 1 << 20

    @Flag(help: "Do not draw the status line on standard error.")
    var noProgress = false

    func validate() throws {
        guard let window = DurationText.milliseconds(window), window >= 1_000 else {
            throw ValidationError("--window takes a duration of at least 1s (e.g. 10s, 1m), not '\(window)'")
        }
        guard DurationText.milliseconds(lateness) != nil else {
            throw ValidationError("--lateness takes a duration (e.g. 5s, 30s), not '\(lateness)'")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard checkpointSeconds >= 1 else { throw ValidationError("--checkpoint-seconds must be at least 1") }
        guard lineCap >= 16 else { throw ValidationError("--line-cap must be at least 16 bytes") }
        guard EventDocumentFormat(rawValue: eventsFormat) != nil else {
            throw ValidationError("--events-format takes native, ecs or ocsf, not '\(eventsFormat)'")
        }
        if events == "-" && summaryJson == "-" {
            throw ValidationError("--events and --summary-json cannot both go to standard output")
        }
        if paths.filter({ $0 == "-" }).count > 1 { throw ValidationError("- (standard input) can be given once") }
        for path in paths where path != "-" && !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("no such file or directory: \(path); give files, directories or -")
        }
    }

    func run() throws {
        var options = AnalysisOptions(threads: threads)
        options.windowMillis = DurationText.milliseconds(window)!
        options.lineCap = lineCap
        options.accessFormat = try accessFormat.map(parseAccessFormat)
        options.pseudonymizationKey = try pseudonymize.map(pseudonymizationKey(from:))
        var detectors = DetectorConfiguration()
        if let config {
            do {
                detectors = try DetectorConfiguration.load(path: config)
            } catch {
                throw ValidationError(error.description)
            }
        }
        options.profileWindowMillis = Int64(detectors.drift.windowHours) * 3_600_000
        var references: [String: DriftReference]?
        if let baseline {
            do {
                references = try BaselineFile.load(path: baseline).references(path: baseline)
            } catch {
                throw ValidationError(error.description)
            }
        }
        let analysis = Analysis(
            configuration: AnalysisConfiguration(options: options, detectors: detectors, baseline: references))
        var settings = LiveSettings(roots: paths)
        settings.follow.fromStart = fromStart
        settings.follow.lineCap = lineCap
        settings.latenessMillis = DurationText.milliseconds(lateness)!
        settings.eventsPath = events
        settings.eventsFormat = EventDocumentFormat(rawValue: eventsFormat) ?? .native
        settings.statePath = state
        settings.checkpointIntervalMillis = Int64(checkpointSeconds) * 1000
        settings.showStatus = !noProgress && ProgressLine.standardErrorIsTerminal
        // Opened before the run, as analyze does: an output that cannot be written fails at
        // once, not when the run ends; a regular file is replaced only at `commit`.
        let summaryJSONOutput = try summaryJson.map { try OutputFile(path: $0, name: "summary JSON") }
        let signals = LiveSignals()
        signals.install()
        let outcome: LiveOutcome
        do {
            outcome = try LiveRunner(analysis: analysis, settings: settings, signals: signals).run()
        } catch let error as LiveCheckpoint.LoadError {
            throw ValidationError(error.description)
        } catch let error as OutputError where error.isClosedStandardOutput {
            // The reader of our standard output went away: nothing more can be said to it.
            throw ExitCode(0)
        } catch {
            FileHandle.standardError.write(Data("modelwatch live: \(error)\n".utf8))
            throw ExitCode(3)
        }
        if let summaryJSONOutput {
            try untilStandardOutputCloses { () throws(OutputError) in
                try summaryJSONOutput.write(
                    SummaryJSON.render(outcome.summary, events: outcome.events, checkedTypes: outcome.checkedTypes))
                try summaryJSONOutput.commit()
            }
        }
        var report = SummaryReport()
        report.checkedTypes = outcome.checkedTypes
        var text = report.render(outcome.summary, events: outcome.events, elapsedSeconds: 0)
        for note in outcome.notes { text += "note: \(TerminalText.sanitize(note))\n" }
        text += "live: \(outcome.linesWritten) incident lines written\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
