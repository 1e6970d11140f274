/// The summary a person reads on screen as SPEC.md's one JSON object ("Summary JSON"), for
/// scripts and dashboards: sources with their format and accounting, models, the controls table
/// and the number of events. Members beyond SPEC.md's: per source `bytes_read`,
/// `bytes_decoded`, `gzip_members`; per model `start`, `end`, `error_share` counts 5xx and 429
/// as the screen does; per control `check` (the event type's catalogue name).
///
/// Every string goes through `EventJSON.quoted`, so log text cannot break the object.
public enum SummaryJSON {
    /// Version of this object's layout; bumped when a member changes meaning.
    public static let version = 1

    public static func render(_ summary: AnalysisSummary, events: [Event], checkedTypes: Set<EventType>?) -> String {
        var out = "{\"version\":\(version)"
        out += ",\"sources\":[" + summary.sources.map(source).joined(separator: ",") + "]"
        out += ",\"models\":[" + SummaryReport.modelTotals(summary).map(model).joined(separator: ",") + "]"
        out +=
            ",\"controls\":[" + EventType.allCases.map { control($0, events, checkedTypes) }.joined(separator: ",")
            + "]"
        out += ",\"events\":\(events.count)"
        return out + "}\n"
    }

    static func source(_ source: SourceStatistics) -> String {
        let quoted = EventJSON.quoted
        let kind = source.readError != nil || source.format == nil ? "skipped" : source.reportedKind
        var out = "{\"path\":" + quoted(source.path)
        out += ",\"kind\":" + quoted(kind)
        out += ",\"format\":" + (source.format.map { quoted($0.rawValue) } ?? "null")
        out += ",\"compression\":" + quoted(source.compression.rawValue)
        out += ",\"lines\":\(source.lines),\"parsed\":\(source.parsed)"
        let reasons = RejectReason.allCases.filter { source.rejected[$0.rawValue] > 0 }
        out +=
            ",\"rejected\":{"
            + reasons.map { quoted($0.name) + ":\(source.rejected[$0.rawValue])" }.joined(separator: ",") + "}"
        // Records older than a window `live` had closed (batch closes none early: always 0).
        out += ",\"late\":\(source.lateRecords)"
        out += ",\"lost_compressed_bytes\":\(source.lostCompressedBytes)"
        out += ",\"start\":" + time(source.firstMillis, valid: source.parsed > 0)
        out += ",\"end\":" + time(source.lastMillis, valid: source.parsed > 0)
        out += ",\"bytes_read\":\(source.bytesRead),\"bytes_decoded\":\(source.bytesDecoded)"
        out += ",\"gzip_members\":\(source.gzipMembers)"
        if let readError = source.readError { out += ",\"error\":" + quoted(readError) }
        return out + "}"
    }

    static func model(_ totals: SummaryReport.ModelTotals) -> String {
        let quoted = EventJSON.quoted
        let window = totals.window
        var out = "{\"model\":" + quoted(totals.model)
        out += ",\"records\":\(window.records)"
        out += ",\"versions\":[" + totals.versions.sorted().map(quoted).joined(separator: ",") + "]"
        out += ",\"hosts\":[" + totals.hosts.sorted().map(quoted).joined(separator: ",") + "]"
        func number(_ value: Double?) -> String { value.map { $0.isFinite ? String($0) : "null" } ?? "null" }
        out += ",\"latency_ms\":{\"p50\":" + number(window.latency.quantile(0.5))
        out += ",\"p95\":" + number(window.latency.quantile(0.95))
        out += ",\"p99\":" + number(window.latency.quantile(0.99)) + "}"
        let share = window.records > 0 ? Double(window.serverErrors + window.throttled) / Double(window.records) : 0
        out += ",\"error_share\":" + number(share)
        out += ",\"prompt_tokens\":\(window.promptTokens),\"completion_tokens\":\(window.completionTokens)"
        out += ",\"start\":" + time(window.firstMillis, valid: window.records > 0)
        out += ",\"end\":" + time(window.lastMillis, valid: window.records > 0)
        return out + "}"
    }

    static func control(_ type: EventType, _ events: [Event], _ checked: Set<EventType>?) -> String {
        let quoted = EventJSON.quoted
        let raised = events.filter { $0.type == type }
        let status = checked?.contains(type) ?? true ? "checked" : "not_checked"
        var out = "{\"iso27001_2022\":" + quoted(type.controls.iso2022.joined(separator: ", "))
        out += ",\"iso27001_2013\":" + quoted(type.controls.iso2013.joined(separator: ", "))
        out += ",\"type\":" + quoted(type.rawValue)
        out += ",\"status\":" + quoted(status)
        out += ",\"events\":\(raised.count)"
        out += ",\"worst\":" + (raised.map(\.severity).max().map { quoted($0.name) } ?? "null")
        return out + "}"
    }

    static func time(_ millis: Int64, valid: Bool) -> String {
        valid ? EventJSON.quoted(TimestampParser.formatRFC3339(millis: millis)) : "null"
    }
}
