/// Raises `ops.clock_skew` (2022 8.17, 2013 A.12.4.4) for a serving host whose clock disagrees
/// with the gateway's: per host, the median of (access-log time − inference time) over the
/// sampled requests both logs wrote, after each log's own offset was applied.
///
/// The access log keeps whole seconds (`$time_local`) and stamps the end of the call, so an
/// honest pair differs by −1 s to about +1 s; only a median beyond `toleranceMillis` is skew.
/// A difference that is only the log format's time zone never shows: both times are UTC here.
public struct ClockSkewDetector: Sendable, Equatable, ConfigurableSettings {
    public var toleranceMillis: Int64 = 3_000
    public var minimumPairs = 20

    public init() {}

    public func events(for summary: AnalysisSummary) -> [Event] {
        var offsets: [String: [Int64]] = [:]
        var ranges: [String: (Int64, Int64)] = [:]
        for times in summary.requestSamples.requests.values {
            guard let inference = times.inferenceMillis, let access = times.accessMillis else { continue }
            let host = times.inferenceHost ?? "(no host)"
            offsets[host, default: []].append(access - inference)
            let range = ranges[host] ?? (.max, .min)
            ranges[host] = (min(range.0, inference), max(range.1, inference))
        }
        var events: [Event] = []
        for (host, values) in offsets where values.count >= minimumPairs {
            let sorted = values.sorted()
            let median =
                sorted.count % 2 == 1
                ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            guard abs(median) > toleranceMillis else { continue }
            let range = ranges[host] ?? (0, 0)
            let seconds = Double(median) / 1000
            let direction = median > 0 ? "behind" : "ahead of"
            events.append(
                Event(
                    type: .opsClockSkew, severity: abs(median) > 60_000 ? .high : .medium, startMillis: range.0,
                    endMillis: range.1, entity: EventEntity(host: host),
                    evidence: [
                        ("statistic", .text("median access-log time minus inference time")),
                        ("offset_seconds", EvidenceRounding.decimalPlaces(3).evidence(seconds)),
                        ("threshold_seconds", .number(Double(toleranceMillis) / 1000)),
                        ("requests", .integer(Int64(values.count))),
                        ("sample_rate", .text("1 in \(summary.requestSamples.sampleRate) request ids")),
                    ],
                    message:
                        "host \(host)'s clock runs about \(EvidenceRounding.fixed(abs(seconds), 1)) s \(direction) the gateway's (median of \(values.count) requests joined by request id); check its time synchronisation (NTP).",
                    count: values.count))
        }
        return events.sorted { ($0.startMillis, $0.id) < ($1.startMillis, $1.id) }
    }
}
