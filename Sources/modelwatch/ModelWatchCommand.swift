import ArgumentParser
import Foundation
import ModelWatchCore

@main
struct ModelWatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelwatch",
        abstract: "Reads ML inference and gateway access logs; reports drift, abuse and ISO 27001 operations events.",
        subcommands: [Analyze.self, Baseline.self],
        defaultSubcommand: nil)

    /// SPEC.md fixes exit status 2 for usage errors; ArgumentParser's default is 64 (EX_USAGE).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
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

    @Option(help: "A JSON configuration file (approved changes; see README).")
    var config: String?

    @Option(help: "A reference profile written by `modelwatch baseline`; without it, each model's first 24 hours.")
    var baseline: String?

    @Flag(help: .hidden)
    var noProfiles = false

    @Option(
        help:
            "Exit with status 1 when an event at or above this severity (info, low, medium, high, critical) is raised.")
    var failOn: String?

    @Option(help: "Worker threads (default: the number of cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Length of the event-time windows, in seconds.")
    var windowSeconds: Int = 60

    @Option(help: "Longest line accepted, in bytes; longer lines are rejected and counted.")
    var lineCap: Int = 1 << 20

    @Option(help: "Memory (MiB) each worker's window table may use before windows grow longer.")
    var windowBudgetMb: Int = AnalysisOptions.defaultWindowBudget >> 20

    @Option(help: "Memory (MiB), shared by the workers, for the per-client abuse windows before they grow longer.")
    var abuseBudgetMb: Int = AnalysisOptions.defaultAbuseBudget >> 20

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
        guard lineCap <= AnalysisOptions.maximumLineCap else {
            throw ValidationError("--line-cap must be at most \(AnalysisOptions.maximumLineCap) bytes (1 GiB)")
        }
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
        if let events {
            let text = raised.map { EventJSON.line(for: $0) + "\n" }.joined()
            if events == "-" {
                FileHandle.standardOutput.write(Data(text.utf8))
            } else if !FileManager.default.createFile(atPath: events, contents: Data(text.utf8)) {
                throw ValidationError("cannot write events to \(events); check that its folder exists and is writable")
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
            print(rendered, terminator: "")
        }
        if let failOn, let threshold = Severity(name: failOn), raised.contains(where: { $0.severity >= threshold }) {
            throw ExitCode(1)
        }
    }
}

struct Baseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write each model's reference profile (its first 24 hours) for `analyze --baseline`.")

    @Argument(help: "Files, directories (walked recursively) or - for standard input.")
    var paths: [String]

    @Option(help: "Where to write the baseline (versioned JSON; see README).")
    var output: String

    @Option(help: "A JSON configuration file; its drift.window_hours and drift.reference_hours apply.")
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
        do {
            try BaselineFile(references: references, windowHours: drift.windowHours).write(to: output)
        } catch {
            throw ValidationError(error.description)
        }
        for reference in references.values.sorted(by: { $0.model < $1.model }) {
            print(
                "\(reference.model): \(reference.profile.records) records from \(TimestampParser.formatRFC3339(millis: reference.startMillis)) to \(TimestampParser.formatRFC3339(millis: reference.endMillis)), \(reference.profile.features.count) features"
            )
        }
        print("wrote \(output)")
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
