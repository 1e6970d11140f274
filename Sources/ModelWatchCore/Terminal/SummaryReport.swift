#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The plain-text summary `analyze` prints: sources, models, top clients and addresses, events.
/// Every string that came from a log goes through `TerminalText.sanitize`.
public struct SummaryReport {
    public var topCount = 10
    /// Columns to fit every line in (tables narrow their widest columns, long lines wrap).
    public var width = SummaryReport.terminalWidth
    /// The event types whose detectors ran, for the per-control table; nil leaves the table out.
    public var checkedTypes: Set<EventType>?
    /// The per-model drift tables; nil leaves the section out.
    public var drift: DriftDetector.Analysis?

    public init() {}

    public func render(_ summary: AnalysisSummary, events: [Event], elapsedSeconds: Double? = nil) -> String {
        var out = ""
        if summary.parsedRecords == 0 {
            // Said first and plainly: an empty input reads as clean otherwise, since every
            // control then "found nothing".
            out += "No input records: nothing in the input parsed as a record, so no control below was checked.\n\n"
        }
        out += renderSources(summary)
        out += "\n" + renderModels(summary)
        for (family, tables) in [("gateway access logs", summary.gateway), ("inference logs", summary.inference)]
        where tables.clients.total + tables.addresses.total > 0 {
            out += "\n" + renderPrincipals(title: "Top clients in the \(family)", tables.clients)
            out += "\n" + renderPrincipals(title: "Top addresses in the \(family)", tables.addresses)
        }
        if let drift { out += "\n" + renderDrift(drift) }
        if checkedTypes?.contains(.abuseRate) ?? false {
            out += "\n" + AbuseRiskTable.render(events, state: summary.abuse, top: topCount)
        }
        if let checkedTypes { out += "\n" + renderControls(events, checked: checkedTypes) }
        out += "\n" + renderEvents(events)
        if let elapsedSeconds {
            let decoded = summary.sources.reduce(Int64(0)) { $0 + $1.bytesDecoded }
            let lines = summary.sources.reduce(0) { $0 + $1.lines }
            out += "\nRead \(Self.bytes(decoded)) (\(lines) lines) in \(Self.fixed(elapsedSeconds, 2)) s"
            if elapsedSeconds > 0 {
                out +=
                    ": \(Self.bytes(Int64(Double(decoded) / elapsedSeconds)))/s, \(Int(Double(lines) / elapsedSeconds)) lines/s"
            }
            out += ".\n"
        }
        return out
    }

    func renderSources(_ summary: AnalysisSummary) -> String {
        var rows: [[String]] = [
            [
                "source", "kind", "format", "compression", "bytes in", "bytes out", "lines", "parsed", "rejected",
                "lost",
                "time range (UTC)",
            ]
        ]
        for source in summary.sources {
            let rejectedDetail = RejectReason.allCases.filter { source.rejected[$0.rawValue] > 0 }
                .map { "\(source.rejected[$0.rawValue]) \($0.name)" }.joined(separator: ", ")
            var lost = "-"
            if let ending = source.gzipEnding, ending != .complete {
                switch ending {
                case .truncated: lost = "truncated at \(source.damageOffset ?? 0)"
                case .corrupt:
                    lost = "corrupt at \(source.damageOffset ?? 0), \(Self.bytes(source.lostCompressedBytes))"
                case .trailingGarbage:
                    lost = "\(Self.bytes(source.lostCompressedBytes)) junk at \(source.damageOffset ?? 0)"
                case .complete: break
                }
            }
            if source.readError != nil { lost = "unreadable" }
            rows.append([
                TerminalText.sanitize(source.path), source.reportedKind, source.format?.rawValue ?? "-",
                source.compression == .gzip ? "gzip ×\(source.gzipMembers)" : "plain",
                Self.bytes(source.bytesRead), Self.bytes(source.bytesDecoded), String(source.lines),
                String(source.parsed),
                source.rejectedTotal == 0 ? "0" : "\(source.rejectedTotal) (\(rejectedDetail))", lost,
                Self.range(source.firstMillis, source.lastMillis),
            ])
        }
        var out = "Sources\n" + Self.table(rows, width: width)
        let problems = summary.sources.compactMap(Self.problem(of:))
        if !problems.isEmpty {
            out += "\nInput problems (the rest of each input was still analysed)\n"
            for problem in problems { out += Self.wrap(problem, width: width) }
        }
        return out
    }

    /// One sentence naming the file, the byte offset and what to do, for a source that had trouble.
    static func problem(of source: SourceStatistics) -> String? {
        let path = TerminalText.sanitize(source.path)
        if let readError = source.readError { return TerminalText.sanitize(readError) }
        var parts: [String] = []
        if let ratio = source.compressionRatio, ratio >= SourceStatistics.extremeCompressionRatio {
            parts.append(
                "decompressed to \(Int(ratio)) times its size (\(source.bytesRead) bytes to \(source.bytesDecoded)): no log compresses that well, so this is probably padding or a decompression bomb; it was read in bounded memory"
            )
        }
        if let skipped = source.skipReason { return ([path + ": skipped, " + skipped] + parts).joined(separator: "; ") }
        if let ending = source.gzipEnding, ending != .complete {
            let offset = source.damageOffset ?? source.bytesRead
            switch ending {
            case .truncated: parts.append("gzip archive truncated at compressed byte \(offset)")
            case .corrupt(let error):
                parts.append("corrupt gzip data at compressed byte \(offset) (\(error.description))")
            case .trailingGarbage:
                parts.append(
                    "\(source.lostCompressedBytes) bytes of non-gzip data after the last member, from compressed byte \(offset)"
                )
            case .complete: break
            }
        }
        if let first = source.firstRejection, source.damagedLines > 0 {
            let offsetKind = source.compression == .gzip ? "decoded byte" : "byte"
            parts.append(
                "\(source.damagedLines) line(s) rejected, the first starting at \(offsetKind) \(first.offset): \(first.reason.name)"
            )
        }
        guard !parts.isEmpty else { return nil }
        return path + ": " + parts.joined(separator: "; ")
    }

    /// Per-model totals derived from the window table (see `AnalysisSummary.modelTotals`).
    public typealias ModelTotals = ModelWatchCore.ModelTotals

    public static func modelTotals(_ summary: AnalysisSummary) -> [ModelTotals] { summary.modelTotals }

    func renderModels(_ summary: AnalysisSummary) -> String {
        var rows: [[String]] = [
            [
                "model", "records", "versions", "hosts", "time range (UTC)", "p50 ms", "p95 ms", "p99 ms", "errors",
                "tokens",
            ]
        ]
        for totals in Self.modelTotals(summary) {
            let window = totals.window
            let errorShare =
                window.records > 0 ? Double(window.statusClasses[5] + window.throttled) / Double(window.records) : 0
            rows.append([
                TerminalText.sanitize(totals.model), String(window.records),
                TerminalText.sanitize(totals.versions.sorted().joined(separator: ", ")),
                TerminalText.sanitize(totals.hosts.sorted().joined(separator: ", ")),
                Self.range(window.firstMillis, window.lastMillis),
                window.latency.quantile(0.5).map { Self.fixed($0, 1) } ?? "-",
                window.latency.quantile(0.95).map { Self.fixed($0, 1) } ?? "-",
                window.latency.quantile(0.99).map { Self.fixed($0, 1) } ?? "-",
                Self.fixed(errorShare * 100, 2) + "%",
                window.promptTokens + window.completionTokens > 0
                    ? String(window.promptTokens + window.completionTokens) : "-",
            ])
        }
        if rows.count == 1 { return "Models\n  (no inference records)\n" }
        return "Models (errors: 5xx and 429 share)\n" + Self.table(rows, width: width)
    }

    func renderPrincipals(title: String, _ hitters: HeavyHitters) -> String {
        var rows: [[String]] = [["key", "requests", "4xx", "5xx", "401/403", "429", "first seen", "last seen"]]
        for entry in hitters.top(topCount) {
            let activity = entry.activity
            let count = entry.overestimate > 0 ? "\(entry.count) (±\(entry.overestimate))" : String(entry.count)
            rows.append([
                TerminalText.sanitize(entry.key), count, String(activity.clientErrors), String(activity.serverErrors),
                String(activity.authFailures), String(activity.throttled),
                TimestampParser.formatRFC3339(millis: activity.firstMillis),
                TimestampParser.formatRFC3339(millis: activity.lastMillis),
            ])
        }
        let distinct = Int(hitters.distinct.estimate.rounded())
        let header = "\(title) (\(hitters.total) requests, about \(distinct) distinct)\n"
        if rows.count == 1 { return header + "  (none)\n" }
        return header + Self.table(rows, width: width)
    }

    /// One row per catalogue entry, 2022 control first: checked or not, and what was found.
    func renderControls(_ events: [Event], checked: Set<EventType>) -> String {
        var rows: [[String]] = [["ISO 27001:2022", "2013", "check", "status", "found"]]
        for type in EventType.allCases {
            let raised = events.filter { $0.type == type }
            let status: String
            let found: String
            if !checked.contains(type) {
                status = "not checked"
                found = "-"
            } else if raised.isEmpty {
                status = "checked"
                found = "nothing"
            } else {
                status = "checked"
                let worst = raised.map(\.severity).max() ?? .info
                found = "\(raised.count) event\(raised.count == 1 ? "" : "s"), worst \(worst.name)"
            }
            rows.append([
                type.controls.iso2022.joined(separator: ", "), type.controls.iso2013.joined(separator: ", "),
                type.rawValue, status, found,
            ])
        }
        return "Controls\n" + Self.table(rows, width: width)
    }

    /// Low and info events of one type repeated at least this often print as one line with a
    /// count (34 separate "1 probe request" lines on a real Apache log become one).
    public static let groupedRepeats = 3

    func renderEvents(_ events: [Event]) -> String {
        guard !events.isEmpty else { return "Events\n  none\n" }
        var out = "Events (\(events.count))\n"
        let sorted = events.sorted(by: { ($0.severity, $1.startMillis) > ($1.severity, $0.startMillis) })
        var repeats: [String: Int] = [:]
        for event in sorted where event.severity <= .low {
            repeats[event.typeName + "|" + event.severity.name, default: 0] += 1
        }
        var printedGroups: Set<String> = []
        for event in sorted {
            let controls = event.type.controls
            let head =
                "[\(event.severity.name)] \(event.typeName) (ISO 27001:2022 \(controls.iso2022.joined(separator: ", ")); 2013 \(controls.iso2013.joined(separator: ", "))): "
            let group = event.typeName + "|" + event.severity.name
            if event.severity <= .low, let count = repeats[group], count >= Self.groupedRepeats {
                guard printedGroups.insert(group).inserted else { continue }
                out += Self.wrap(head + "\(count) events like: " + TerminalText.sanitize(event.message), width: width)
                continue
            }
            out += Self.wrap(head + TerminalText.sanitize(event.message), width: width)
        }
        return out
    }

    /// Columns the summary fits in when standard output is a terminal: its width, or
    /// `$COLUMNS` when the terminal does not say. A file or pipe always gets whole lines, whatever
    /// the environment (scripts grep them, and test runners and `watch` export `COLUMNS`), so
    /// the same input prints the same summary wherever it is captured.
    public static let terminalWidth: Int = {
        guard isatty(1) != 0 else { return .max }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= minimumWidth {
            return Int(size.ws_col)
        }
        if let text = getenv("COLUMNS").map({ String(cString: $0) }), let columns = Int(text), columns >= minimumWidth {
            return columns
        }
        return .max
    }()
    /// Narrower than this, tables would be all ellipses; the summary is laid out for 40 at least.
    static let minimumWidth = 40
    /// A table column is never cut narrower than this many characters.
    static let minimumColumn = 6

    /// `text` as lines of at most `width` characters, broken at spaces, continuation lines
    /// indented; a word longer than a line is cut.
    static func wrap(_ text: String, width: Int, indent: Int = 2, hanging: Int = 4) -> String {
        var out = ""
        var line = String(repeating: " ", count: indent)
        var lineHasWord = false
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            var word = Substring(word)
            if lineHasWord && line.count + 1 + word.count > width {
                out += line + "\n"
                line = String(repeating: " ", count: hanging)
                lineHasWord = false
            }
            while line.count + (lineHasWord ? 1 : 0) + word.count > width {
                let room = max(1, width - line.count - (lineHasWord ? 1 : 0))
                line += (lineHasWord ? " " : "") + word.prefix(room)
                word = word.dropFirst(room)
                out += line + "\n"
                line = String(repeating: " ", count: hanging)
                lineHasWord = false
            }
            if word.isEmpty { continue }
            line += (lineHasWord ? " " : "") + word
            lineHasWord = true
        }
        if lineHasWord { out += line + "\n" }
        return out
    }

    /// Rows as aligned columns in at most `width` characters: the widest columns are narrowed
    /// first (down to `minimumColumn`), and a cell that does not fit keeps its start and end
    /// around an ellipsis (a path keeps its file name).
    static func table(_ rows: [[String]], width: Int = SummaryReport.terminalWidth) -> String {
        var widths = [Int](repeating: 0, count: rows.map(\.count).max() ?? 0)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        // A line is two spaces of margin, then each cell after one space.
        var total = 1 + widths.reduce(0) { $0 + $1 + 1 }
        while total > width, let widest = widths.indices.max(by: { widths[$0] < widths[$1] }),
            widths[widest] > minimumColumn
        {
            widths[widest] -= 1
            total -= 1
        }
        var out = ""
        for row in rows {
            var line = " "
            for (index, cell) in row.enumerated() {
                let fitted = cell.count > widths[index] ? Self.shortened(cell, to: widths[index]) : cell
                line += " " + fitted + String(repeating: " ", count: widths[index] - fitted.count)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    /// `text` in `width` characters: its start and end around a middle ellipsis.
    static func shortened(_ text: String, to width: Int) -> String {
        let tail = (width - 1) / 2
        return String(text.prefix(width - 1 - tail)) + "…" + String(text.suffix(tail))
    }

    static func range(_ first: Int64, _ last: Int64) -> String {
        guard first != .max, last != .min else { return "-" }
        return TimestampParser.formatRFC3339(millis: first / 1000 * 1000) + " – "
            + TimestampParser.formatRFC3339(millis: last / 1000 * 1000)
    }

    public static func bytes(_ count: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(count) B" : fixed(value, value < 10 ? 2 : 1) + " " + units[unit]
    }

    /// `value` with exactly `digits` decimals (see `EvidenceRounding.fixed`).
    public static func fixed(_ value: Double, _ digits: Int) -> String { EvidenceRounding.fixed(value, digits) }
}
