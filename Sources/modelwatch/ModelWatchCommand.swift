import ArgumentParser
import Foundation
import ModelWatchCore

@main
struct ModelWatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelwatch",
        abstract: "Reads ML inference and gateway access logs; reports drift, abuse and ISO 27001 operations events.",
        version: ModelWatchVersion.current,
        subcommands: [Analyze.self, Live.self, Baseline.self, Merge.self, Report.self],
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
    var paths: [String] = []

    @Option(
        help: ArgumentHelp(
            "Also read the inputs listed in this JSON array: paths, or {\"path\": ..., \"name\": ...} objects whose name is reported instead of the path (see README).",
            valueName: "file"))
    var inputsFrom: String?

    @Option(help: "Write events as JSON lines to this file (- for standard output).")
    var events: String?

    @Option(
        help: ArgumentHelp(
            "Write a self-contained report of this run: HTML, or Markdown when the name ends in .md.",
            valueName: "file.html|file.md"))
    var report: String?

    @Option(help: ArgumentHelp("An nginx log_format string for the access logs.", valueName: "nginx-log-format"))
    var accessFormat: String?

    @Option(
        help:
            "A configuration file, JSON or YAML (.yaml, .yml): approved changes, administrators, drift settings; see README."
    )
    var config: String?

    @Option(
        help: ArgumentHelp(
            "Read every input as this format instead of detecting each file's: native, combined, bedrock, litellm, sagemaker-capture, kong-ai, alb, gcp-lb, nginx-json, or a field-mapping file (YAML or JSON; see README).",
            valueName: "name|file"))
    var inputFormat: String?

    @Option(
        help: ArgumentHelp(
            "Replace client keys and addresses in every output with keyed HMAC-SHA256 tokens (the file holds the secret key, 16 bytes or more).",
            valueName: "keyfile"))
    var pseudonymize: String?

    @Option(help: "Write the summary as one JSON object (SPEC.md, Summary JSON) to this file (- for standard output).")
    var summaryJson: String?

    @Option(
        help:
            "How --events writes each event: native (SPEC.md JSON lines), ecs (Elastic Common Schema alerts) or ocsf (OCSF Detection Findings)."
    )
    var eventsFormat: String = "native"

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
    var abuseBudgetMb: Int = AnalysisOptions.defaultAbuseBudget >> 20

    @Option(help: "How many clients and addresses to list.")
    var top: Int = 10

    @Flag(help: "Do not draw the progress line on standard error.")
    var noProgress = false

    @Option(help: "Also write this run's mergeable state to FILE, for `modelwatch merge` (see README).")
    var saveState: String?

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
        guard !paths.isEmpty || inputsFrom != nil else {
            throw ValidationError(
                "give the files or directories to analyse, - for standard input, or --inputs-from FILE")
        }
        try validateInputFormat(inputFormat)
        guard EventDocumentFormat(rawValue: eventsFormat) != nil else {
            throw ValidationError("--events-format takes native, ecs or ocsf, not '\(eventsFormat)'")
        }
        if events == "-" && summaryJson == "-" {
            throw ValidationError("--events and --summary-json cannot both go to standard output")
        }
    }

    func run() throws {
        var options = AnalysisOptions(threads: threads)
        options.windowMillis = Int64(windowSeconds) * 1000
        options.lineCap = lineCap
        options.windowBudget = windowBudgetMb << 20
        options.abuseBudget = abuseBudgetMb << 20
        options.accessFormat = try accessFormat.map(parseAccessFormat)
        try applyInputFormat(inputFormat, to: &options)
        options.pseudonymizationKey = try pseudonymize.map(pseudonymizationKey(from:))
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
        let sources = try inputSources(paths, listedIn: inputsFrom)
        // Opened before the run, so that an output that cannot be written fails at once rather
        // than after hours of reading; a regular file is replaced only at `commit`.
        let eventsOutput = try events.map { try OutputFile(path: $0, name: "events") }
        let summaryJSONOutput = try summaryJson.map { try OutputFile(path: $0, name: "summary JSON") }
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
        if let saveState {
            try OutputFile.write(
                StateFile.encode(AnalysisState(summary: summary, options: options, openedPaths: sources.map(\.path))),
                to: saveState, name: "state")
        }
        try finishRun(
            analysis.evaluate(summary), of: summary, elapsed: elapsed, events: eventsOutput,
            eventsFormat: EventDocumentFormat(rawValue: eventsFormat) ?? .native, summaryJSON: summaryJSONOutput,
            top: top, failOn: failOn, allowEmpty: allowEmpty, inputs: paths, reportFile: report,
            scope: "batch run over \(summary.sources.count) sources",
            futureLimitMillis: options.futureLimitMillis)
    }
}

/// Combines the state files of shards and reports as one `analyze` over all their inputs.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the states of shards (`analyze --save-state`) and report as one run over all their inputs.")

    @Argument(help: "State files written by `modelwatch analyze --save-state`.")
    var states: [String]

    @Option(help: "Write events as JSON lines to this file (- for standard output).")
    var events: String?

    @Option(help: "A JSON configuration file (approved changes; see README).")
    var config: String?

    @Option(help: "A reference profile written by `modelwatch baseline`; without it, each model's first 24 hours.")
    var baseline: String?

    @Option(
        help:
            "Exit with status 1 when an event at or above this severity (info, low, medium, high, critical) is raised.")
    var failOn: String?

    @Option(help: "How many clients and addresses to list.")
    var top: Int = 10

    @Option(help: "Also write the merged state to FILE (to merge it again later).")
    var saveState: String?

    @Flag(help: "With --fail-on, accept states with no records at all (by default that fails the run with status 1).")
    var allowEmpty = false

    @Option(help: "How events are written: native (SPEC.md JSON lines), ecs or ocsf.")
    var eventsFormat: String = "native"

    @Option(help: "Write the summary as one JSON object (SPEC.md) to this file (- for standard output).")
    var summaryJson: String?

    @Option(help: "Write the HTML (FILE.html) or Markdown (FILE.md) report of the merged run.")
    var report: String?

    func validate() throws {
        if let failOn, Severity(name: failOn) == nil {
            throw ValidationError("--fail-on takes info, low, medium, high or critical, not '\(failOn)'")
        }
        guard EventDocumentFormat(rawValue: eventsFormat) != nil else {
            throw ValidationError("--events-format takes native, ecs or ocsf, not '\(eventsFormat)'")
        }
        if events == "-" && summaryJson == "-" {
            throw ValidationError("--events and --summary-json cannot both go to standard output")
        }
        guard !states.isEmpty else { throw ValidationError("give at least one state file") }
    }

    func run() throws {
        let detectors = try loadDetectors(config)
        let references = try loadBaseline(baseline)
        let merged: AnalysisState
        do {
            merged = try AnalysisState.merging(states.map(StateFile.read(from:)), names: states)
        } catch {
            throw ValidationError("\(error)")
        }
        let options = merged.options(threads: ProcessInfo.processInfo.activeProcessorCount)
        let eventsOutput = try events.map { try OutputFile(path: $0, name: "events") }
        let summaryJSONOutput = try summaryJson.map { try OutputFile(path: $0, name: "summary JSON") }
        let analysis = Analysis(
            configuration: AnalysisConfiguration(options: options, detectors: detectors, baseline: references))
        if let saveState {
            try OutputFile.write(StateFile.encode(merged), to: saveState, name: "merged state")
        }
        try finishRun(
            analysis.evaluate(merged.summary), of: merged.summary, elapsed: nil, events: eventsOutput,
            eventsFormat: EventDocumentFormat(rawValue: eventsFormat) ?? .native, summaryJSON: summaryJSONOutput,
            top: top, failOn: failOn, allowEmpty: allowEmpty, inputs: states, reportFile: report,
            scope: "merge of \(states.count) states over \(merged.summary.sources.count) sources")
    }
}

/// Writes events (to `events`; `-` is standard output) and prints the summary (to standard
/// error when the events go to standard output); exit 1 when `failOn` is met, or when nothing
/// was read at all unless `allowEmpty`. What `analyze` and `merge` both end with.
func finishRun(
    _ result: AnalysisResult, of summary: AnalysisSummary, elapsed: TimeInterval?, events: OutputFile?,
    eventsFormat: EventDocumentFormat = .native, summaryJSON: OutputFile? = nil, top: Int, failOn: String?,
    allowEmpty: Bool, inputs: [String], reportFile: String? = nil, scope: String = "",
    futureLimitMillis: Int64 = .max
) throws {
    let raised = result.events
    if let reportFile {
        let document = ReportFigures.document(
            summary: summary, result: result, scope: scope,
            generatedMillis: Int64((Date().timeIntervalSince1970 * 1000).rounded()),
            futureLimitMillis: futureLimitMillis)
        try writeReport(document, to: reportFile)
    }
    if let events {
        // A reader that took what it wanted (`--events - | head -3`) ends the events; the
        // summary still goes to standard error and the exit status still follows --fail-on.
        try untilStandardOutputCloses { () throws(OutputError) in
            for event in raised { try events.write(eventsFormat.line(for: event) + "\n") }
            try events.commit()
        }
    }
    if let summaryJSON {
        try untilStandardOutputCloses { () throws(OutputError) in
            try summaryJSON.write(SummaryJSON.render(summary, events: raised, checkedTypes: result.checkedTypes))
            try summaryJSON.commit()
        }
    }
    var report = SummaryReport()
    report.topCount = top
    report.checkedTypes = result.checkedTypes
    report.drift = result.drift
    let rendered = report.render(summary, events: raised, elapsedSeconds: elapsed)
    if events?.isStandardOutput == true || summaryJSON?.isStandardOutput == true {
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
                "modelwatch: no input records in \(inputs.joined(separator: ", ")): nothing was checked, so --fail-on fails the run (--allow-empty accepts an empty input)\n"
                    .utf8))
        throw ExitCode(1)
    }
    if raised.contains(where: { $0.severity >= threshold }) { throw ExitCode(1) }
}

/// `--input-format`: a preset's name, or a field-mapping file that exists.
func validateInputFormat(_ value: String?) throws {
    guard let value, LogFormat(name: value) == nil else { return }
    guard FileManager.default.fileExists(atPath: value) else {
        throw ValidationError(
            "--input-format takes one of \(LogFormat.presetNames.joined(separator: ", ")) or a field-mapping file, not '\(value)' (no such file)"
        )
    }
}

/// Sets the preset, or loads the field mapping (a mistake in it is a usage error naming its
/// file, line and column).
func applyInputFormat(_ value: String?, to options: inout AnalysisOptions) throws {
    guard let value else { return }
    if let preset = LogFormat(name: value) {
        options.inputFormat = preset
        return
    }
    do {
        options.read(through: try FieldMapping.load(path: value))
    } catch {
        throw ValidationError(error.description)
    }
}

/// The `--config` file's detector settings, or a usage error naming it.
func loadDetectors(_ config: String?) throws -> DetectorConfiguration {
    guard let config else { return DetectorConfiguration() }
    do {
        return try DetectorConfiguration.load(path: config)
    } catch {
        throw ValidationError(error.description)
    }
}

/// The `--baseline` file's drift references, or a usage error naming it.
func loadBaseline(_ baseline: String?) throws -> [String: DriftReference]? {
    guard let baseline else { return nil }
    do {
        return try BaselineFile.load(path: baseline).references(path: baseline)
    } catch {
        throw ValidationError(error.description)
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
/// The secret key of `--pseudonymize KEYFILE` (analyze and live), checked to be long enough,
/// or a usage error that names the file.
func pseudonymizationKey(from path: String) throws -> [UInt8] {
    guard let key = FileManager.default.contents(atPath: path) else {
        throw ValidationError("cannot read the pseudonymisation key file \(path)")
    }
    do {
        _ = try Pseudonymizer(key: [UInt8](key))
    } catch {
        throw ValidationError("\(path): \(error.description)")
    }
    return [UInt8](key)
}

func untilStandardOutputCloses(_ body: () throws(OutputError) -> Void) throws(OutputError) {
    do {
        try body()
    } catch {
        if !error.isClosedStandardOutput { throw error }
    }
}

/// The input files under `paths`, then those the input list at `listedIn` names (if given),
/// or a usage error a person can act on.
func inputSources(_ paths: [String], listedIn: String? = nil) throws -> [InputSource] {
    var sources: [InputSource]
    do {
        sources = try InputDiscovery.expand(paths)
    } catch {
        throw ValidationError("\(error.description); give files, directories or - for standard input")
    }
    if let listedIn {
        do {
            sources += try InputList.load(path: listedIn)
        } catch {
            throw ValidationError(error.description)
        }
    }
    if sources.isEmpty {
        let given = paths + (listedIn.map { ["the list \($0)"] } ?? [])
        throw ValidationError("no input files under \(given.joined(separator: ", "))")
    }
    return sources
}

/// Renders `document` as Markdown when `path` ends in `.md` or `.markdown`, else as HTML, and
/// replaces `path` atomically; a write error exits 3 with its cause (SPEC.md).
func writeReport(_ document: ReportDocument, to path: String) throws {
    let lowered = path.lowercased()
    let text =
        lowered.hasSuffix(".md") || lowered.hasSuffix(".markdown")
        ? MarkdownReport.render(document) : HTMLReport.render(document)
    try OutputFile.write(text, to: path, name: "report")
}

/// An `--access-format` value parsed, or a usage error.
func parseAccessFormat(_ text: String) throws -> AccessLogFormat {
    do {
        return try AccessLogFormat(nginx: text)
    } catch {
        throw ValidationError(error.description)
    }
}
