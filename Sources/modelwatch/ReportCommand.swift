import ArgumentParser
import Foundation
import ModelWatchCore

/// `modelwatch report`: one night of the nightly report over a growing archive, with its state in
/// `--state DIR/modelwatch.sqlite` (see `NightlyReport` for what is read each night).
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Read what is new in an archive since the last night, and write the night's report (HTML or Markdown).")

    @Argument(help: "Files or directories (walked recursively) of the archive.")
    var paths: [String]

    @Option(help: "The folder of the report's state (modelwatch.sqlite and its lock); created when missing.")
    var state: String

    @Option(help: ArgumentHelp("The report to write: HTML, or Markdown when the name ends in .md.", valueName: "file"))
    var report: String

    @Option(
        help: ArgumentHelp(
            "The night this run adds, as YYYY-MM-DD or 'yesterday' (UTC); default: today. Re-running a night replaces it.",
            valueName: "date"))
    var since: String?

    @Option(help: ArgumentHelp("The last day the trend charts show (YYYY-MM-DD).", valueName: "date"))
    var until: String?

    @Option(help: "Write the night's new and updated incidents as JSON lines to this file (- for standard output).")
    var events: String?

    @Option(
        help:
            "Exit with status 1 when a new or updated incident at or above this severity (info, low, medium, high, critical) is found tonight."
    )
    var failOn: String?

    @Option(help: ArgumentHelp("An nginx log_format string for the access logs.", valueName: "nginx-log-format"))
    var accessFormat: String?

    @Option(
        help: ArgumentHelp(
            "Read every input as this preset, or through this field-mapping file, instead of detecting each file's format.",
            valueName: "name|file"))
    var inputFormat: String?

    @Option(help: "A JSON configuration file (approved changes; see README).")
    var config: String?

    @Option(help: "A reference profile written by `modelwatch baseline`; without it, each model's first 24 hours.")
    var baseline: String?

    @Option(help: "Worker threads (default: the number of cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Length of the event-time windows, in seconds.")
    var windowSeconds: Int = 60

    @Option(help: "Longest line accepted, in bytes; longer lines are rejected and counted.")
    var lineCap: Int = 1 << 20

    @Option(help: "How many clients and addresses to list.")
    var top: Int = 10

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    /// `YYYY-MM-DD`, checked for shape and a real date.
    static func day(_ text: String, nowMillis: Int64) -> String? {
        if text == "yesterday" { return ReportFigures.dayLabel(nowMillis - 86_400_000) }
        if text == "today" { return ReportFigures.dayLabel(nowMillis) }
        let stamp = Array((text + "T00:00:00Z").utf8)
        guard text.count == 10, let millis = stamp.withUnsafeBytes({ TimestampParser.parseRFC3339($0) }),
            ReportFigures.dayLabel(millis) == text
        else { return nil }
        return text
    }

    func validate() throws {
        if let failOn, Severity(name: failOn) == nil {
            throw ValidationError("--fail-on takes info, low, medium, high or critical, not '\(failOn)'")
        }
        for (flag, value) in [("--since", since), ("--until", until)] {
            if let value, Self.day(value, nowMillis: 0) == nil {
                throw ValidationError("\(flag) takes a date as YYYY-MM-DD or 'yesterday', not '\(value)'")
            }
        }
        // `YYYY-MM-DD` labels order as text. A night after the last charted day would be saved
        // but never shown, which no one means.
        let nowMillis = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        if let since, let until, let sinceDay = Self.day(since, nowMillis: nowMillis),
            let untilDay = Self.day(until, nowMillis: nowMillis), untilDay < sinceDay
        {
            throw ValidationError("--until \(until) is before --since \(since): tonight's night would not be charted")
        }
        try validateInputFormat(inputFormat)
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard windowSeconds >= 1 else { throw ValidationError("--window-seconds must be at least 1") }
        guard lineCap >= 16 else { throw ValidationError("--line-cap must be at least 16 bytes") }
    }

    func run() throws {
        let nowMillis = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        let night = since.flatMap { Self.day($0, nowMillis: nowMillis) } ?? ReportFigures.dayLabel(nowMillis)
        var options = AnalysisOptions(threads: threads)
        options.windowMillis = Int64(windowSeconds) * 1000
        options.lineCap = lineCap
        options.accessFormat = try accessFormat.map(parseAccessFormat)
        try applyInputFormat(inputFormat, to: &options)
        let detectors = try loadDetectors(config)
        options.profileWindowMillis = Int64(detectors.drift.windowHours) * 3_600_000
        let analysis = Analysis(
            configuration: AnalysisConfiguration(
                options: options, detectors: detectors, baseline: try loadBaseline(baseline)))
        let sources = try inputSources(paths)
        let outcome: NightlyReport.Outcome
        do {
            let store = try NightStore(folder: state)
            outcome = try NightlyReport(analysis: analysis, store: store).run(
                sources, night: night, nowMillis: nowMillis,
                untilDay: until.flatMap { Self.day($0, nowMillis: nowMillis) })
        } catch {
            throw ValidationError(error.description)
        }
        try writeReport(outcome.document, to: report)
        if let events {
            let text = outcome.newOrUpdated.map { EventJSON.line(for: $0) + "\n" }.joined()
            try untilStandardOutputCloses { () throws(OutputError) in
                try OutputFile.write(text, to: events, name: "events")
            }
        }
        if !quiet {
            let read = outcome.reads.reduce(Int64(0)) { $0 + $1.endOffset - $1.startOffset }
            var lines = [
                "night \(night): read \(outcome.reads.count) file(s) (\(SummaryReport.bytes(read))), skipped \(outcome.skipped.count) read before; \(outcome.result.events.count) events in the state, \(outcome.newOrUpdated.count) new or updated tonight; wrote \(report)"
            ]
            for (path, reason) in outcome.skipped where !reason.hasPrefix("read by an earlier night") {
                lines.append("  skipped \(TerminalText.sanitize(path)): \(reason)")
            }
            let text = lines.joined(separator: "\n") + "\n"
            if events == "-" {
                FileHandle.standardError.write(Data(text.utf8))
            } else {
                // Through OutputFile like every other output: a full standard output is exit 3,
                // a closed one (`| head`) ends quietly.
                try untilStandardOutputCloses { () throws(OutputError) in
                    try OutputFile.write(text, to: "-", name: "summary")
                }
            }
        }
        if let failOn, let threshold = Severity(name: failOn),
            outcome.newOrUpdated.contains(where: { $0.severity >= threshold })
        {
            throw ExitCode(1)
        }
    }
}
