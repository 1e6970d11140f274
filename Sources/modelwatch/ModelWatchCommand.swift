import ArgumentParser
import Foundation
import ModelWatchCore

@main
struct ModelWatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelwatch",
        abstract: "Reads ML inference and gateway access logs; reports drift, abuse and ISO 27001 operations events.",
        version: ModelWatchVersion.current,
        subcommands: [Analyze.self, Baseline.self],
        defaultSubcommand: nil)

    /// SPEC.md fixes exit status 2 for usage errors (ArgumentParser's default is 64, EX_USAGE)
    /// and 3 for an output that could not be written.
    static func main() {
        OutputFile.ignoreBrokenPipeSignal()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if let error = error as? OutputError {
                // A reader of standard output that went away (`| head`) ends the run quietly.
                if error.isClosedStandardOutput { Foundation.exit(0) }
                FileHandle.standardError.write(Data("modelwatch: \(error.description)\n".utf8))
                Foundation.exit(3)
            }
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse log files, directory trees or standard input (-) in one batch pass.")

    @Argument(help: "Files, directories (walked recursively) or - for standard input.")
    var paths: [String]

    @Option(help: "Write events as JSON lines to this file (- for standard output).")
    var events: String?

    @Option(help: ArgumentHelp("An nginx log_format string for the access logs.", valueName: "nginx-log-format"))
    var accessFormat: String?

    @Option(
        help:
            "A configuration file, JSON or YAML (.yaml, .yml): approved changes, administrators, drift settings; see README."
    )
    var config: String?

    @Option(help: "A reference profile written by `modelwatch baseline`; without it, each model's first 24 hours.")
    var baseline: String?

    @Flag(help: .hidden)
    var noProfiles = false

    @Option(
        help:
            "Exit with status 1 when an event at or above this severity (info, low, medium, high, critical) is raised.")
    var failOn: String?

    @Flag(help: "With --fail-on, accept an input with no records at all (by default that fails the run with status 1).")
    var allowEmpty = false

    @Option(help: "Worker threads (default: the number of cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Length of the event-time windows, in seconds.")
    var windowSeconds: Int = 60

    @Option(help: "Longest line accepted, in bytes; longer lines are rejected and counted.")
    var lineCap: Int = 1 << 20

    @Option(help: "Memory (MiB) each worker's window table may use before windows grow longer.")
    var windowBudgetMb: Int = AnalysisOptions.defaultWindowBudget >> 20

    @Option(
        help:
            "Memory (MiB) for the per-client abuse windows before they grow longer (each worker's; never divided by --threads)."
    )
    var abuseBudgetMb: Int = 32

    @Option(help: "How many clients and addresses to list.")
    var top: Int = 10

    @Flag(help: "Do not draw the progress line on standard error.")
    var noProgress = false

    func validate() throws {
        if let failOn, Severity(name: failOn) == nil {
            throw ValidationError("--fail-on takes info, low, medium, high or critical, not '\(failOn)'")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard windowSeconds >= 1 else { throw ValidationError("--window-seconds must be at least 1") }
        guard windowBudgetMb >= 1 else { throw ValidationError("--window-budget-mb must be at least 1") }
        guard abuseBudgetMb >= 1 else { throw ValidationError("--abuse-budget-mb must be at least 1") }
        guard lineCap >= 16 else { throw ValidationError("--line-cap must be at least 16 bytes") }
    }

    func run() throws {
        var options = AnalysisOptions(threads: threads)
        options.windowMillis = Int64(windowSeconds) * 1000
        options.lineCap = lineCap
        options.windowBudget = windowBudgetMb << 20
        options.abuseBudget = abuseBudgetMb << 20
        options.accessFormat = try accessFormat.map(parseAccessFormat)
        var detectors = DetectorConfiguration()
        if let config {
            do {
                detectors = try DetectorConfiguration.load(path: config)
            } catch {
                throw ValidationError(error.description)
            }
        }
        options.profileWindowMillis = noProfiles ? nil : Int64(detectors.drift.windowHours) * 3_600_000
        var references: [String: DriftReference]?
        if let baseline {
            do {
                references = try BaselineFile.load(path: baseline).references(path: baseline)
            } catch {
                throw ValidationError(error.description)
            }
        }
        let sources = try inputSources(paths)
        // Opened before the run, so that an output that cannot be written fails at once rather
        // than after hours of reading; a regular file is replaced only at `commit`.
        let eventsOutput = try events.map { try OutputFile(path: $0, name: "events") }
        let analysis = Analysis(
            configuration: AnalysisConfiguration(options: options, detectors: detectors, baseline: references))

        let reader = analysis.makeReader()
        let started = Date()
        var progress: ProgressLine?
        if !noProgress && ProgressLine.standardErrorIsTerminal {
            let total = sources.compactMap(\.size).reduce(0, +)
            progress = ProgressLine(totalBytes: total) { reader.progress }
            progress?.start()
        }
        let summary = reader.run(sources)
        progress?.stop()
        let elapsed = Date().timeIntervalSince(started)
        let result = analysis.evaluate(summary)
        let raised = result.events
        if let eventsOutput {
            // A reader that took what it wanted (`--events - | head -3`) ends the events; the
            // summary still goes to standard error and the exit status still follows --fail-on.
            try untilStandardOutputCloses { () throws(OutputError) in
                for event in raised { try eventsOutput.write(EventJSON.line(for: event) + "\n") }
                try eventsOutput.commit()
            }
        }
        var report = SummaryReport()
        report.topCount = top
        report.checkedTypes = result.checkedTypes
        report.drift = result.drift
        let rendered = report.render(summary, events: raised, elapsedSeconds: elapsed)
        if events == "-" {
            FileHandle.standardError.write(Data(rendered.utf8))
        } else {
            try untilStandardOutputCloses { () throws(OutputError) in
                try OutputFile.write(rendered, to: "-", name: "summary")
            }
        }
        guard let failOn, let threshold = Severity(name: failOn) else { return }
        if summary.parsedRecords == 0 && !allowEmpty {
            // A check that saw nothing has not passed: --fail-on is for alerting, and an empty
            // input (a log shipper that stopped, a wrong path) must not read as clean.
            FileHandle.standardError.write(
                Data(
                    "modelwatch: no input records in \(paths.joined(separator: ", ")): nothing was checked, so --fail-on fails the run (--allow-empty accepts an empty input)\n"
                        .utf8))
            throw ExitCode(1)
        }
        if raised.contains(where: { $0.severity >= threshold }) { throw ExitCode(1) }
    }
}

struct Baseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write each model's reference profile (its first 24 hours) for `analyze --baseline`.")

    @Argument(help: "Files, directories (walked recursively) or - for standard input.")
    var paths: [String]

    @Option(help: "Where to write the baseline (versioned JSON; see README).")
    var output: String

    @Option(help: "A configuration file (JSON or YAML); its drift.window_hours and drift.reference_hours apply.")
    var config: String?

    @Option(help: ArgumentHelp("An nginx log_format string for the access logs.", valueName: "nginx-log-format"))
    var accessFormat: String?

    @Option(help: "Worker threads (default: the number of cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        var drift = DriftConfiguration()
        if let config {
            do {
                drift = try DetectorConfiguration.load(path: config).drift
            } catch {
                throw ValidationError(error.description)
            }
        }
        var options = AnalysisOptions(threads: threads)
        options.profileWindowMillis = Int64(drift.windowHours) * 3_600_000
        options.accessFormat = try accessFormat.map(parseAccessFormat)
        let sources = try inputSources(paths)
        let summary = Analysis(configuration: AnalysisConfiguration(options: options)).read(sources)
        let references = DriftReference.firstHours(
            drift.referenceHours, of: summary.profiles, minimumRecords: drift.minimumRecords)
        guard !references.isEmpty else {
            throw ValidationError(
                "no inference records with a model in \(paths.joined(separator: ", ")): nothing to profile")
        }
        let text: String
        do {
            text = try BaselineFile(references: references, windowHours: drift.windowHours).encoded()
        } catch {
            throw ValidationError(error.description)
        }
        try OutputFile.write(text, to: output, name: "baseline")
        var lines = ""
        for reference in references.values.sorted(by: { $0.model < $1.model }) {
            lines +=
                "\(reference.model): \(reference.profile.records) records from \(TimestampParser.formatRFC3339(millis: reference.startMillis)) to \(TimestampParser.formatRFC3339(millis: reference.endMillis)), \(reference.profile.features.count) features\n"
        }
        try OutputFile.write(lines + "wrote \(output)\n", to: "-", name: "summary")
    }
}

/// Runs `body`, which writes an output; a closed standard output (the reader went away, as
/// `| head` does) ends that output quietly, and every other write error is thrown.
func untilStandardOutputCloses(_ body: () throws(OutputError) -> Void) throws(OutputError) {
    do {
        try body()
    } catch {
        if !error.isClosedStandardOutput { throw error }
    }
}

/// The input files under `paths`, or a usage error a person can act on.
func inputSources(_ paths: [String]) throws -> [InputSource] {
    let sources: [InputSource]
    do {
        sources = try InputDiscovery.expand(paths)
    } catch {
        throw ValidationError("\(error.description); give files, directories or - for standard input")
    }
    if sources.isEmpty { throw ValidationError("no input files under \(paths.joined(separator: ", "))") }
    return sources
}

/// An `--access-format` value parsed, or a usage error.
func parseAccessFormat(_ text: String) throws -> AccessLogFormat {
    do {
        return try AccessLogFormat(nginx: text)
    } catch {
        throw ValidationError(error.description)
    }
}
