/// Raises `ops.capacity` (2022 8.6, 2013 A.12.1.3) when a model's latency or failure share
/// leaves its own usual range for more than one short window: saturation, not a blip.
///
/// The reference is the model itself over the whole input: the median and the median absolute
/// deviation (MAD) of its windows' p95 latency, and its usual share of 5xx and 429 answers
/// (pooled over the windows below the 90th percentile of share, so the incident does not raise
/// its own bar). Volume is not compared at all, so the daily rise and fall of traffic cannot
/// trip it; windows with too few calls for a p95 are skipped for latency.
///
/// Latency is judged per completion token for a model whose served calls mostly report
/// `completion_tokens` (a language model: long completions take longer without the service
/// being any slower, see `CapacityWindow.latencyPerToken`), and per call otherwise.
///
/// A window is slow when its p95 is at least `latencyRatio` × the reference p95 and beyond
/// `madCount` robust standard deviations (1.4826 × MAD, the normal-consistent scale) of it. It
/// is failing when its failure share is at least `minimumFailureShare`, at least
/// `failureRatio` × the usual share, and a binomial z-score above `failureZ` says the excess
/// is not chance. Flagged windows at most one window apart fold into one incident; an incident
/// needs `minimumWindows` flagged windows. One event per incident, with the count of windows.
public struct CapacityDetector: Sendable, Equatable, ConfigurableSettings {
    public var minimumCallsForLatency = 30
    public var latencyRatio = 2.0
    public var madCount = 6.0
    public var minimumFailures = 10
    public var minimumFailureShare = 0.05
    public var failureRatio = 3.0
    public var failureZ = 4.0
    public var minimumWindows = 2
    /// A model is judged per completion token when at least this share of its served calls
    /// report completion tokens (LLM logs report them on every served call; a share well below
    /// one means a tabular model with a few odd records).
    public var tokenJudgedShare = 0.8

    public init() {}

    /// Which latency a model is judged on.
    enum LatencyMeasure {
        case perCall
        case perCompletionToken

        func histogram(_ window: CapacityWindow) -> QuarterOctaveHistogram {
            self == .perCall ? window.latency : window.latencyPerToken
        }

        var unit: String { self == .perCall ? "ms" : "ms per completion token" }
    }

    struct Reference {
        var measure: LatencyMeasure
        var p95: Double
        var robustSpread: Double
        var failureShare: Double
    }

    struct Flag {
        var start: Int64
        var window: CapacityWindow
        var slow: Bool
        var failing: Bool
        var p95: Double?
    }

    public func events(for summary: AnalysisSummary) -> [Event] {
        let length = summary.capacity.windowMillis
        var byModel: [String: [(Int64, CapacityWindow)]] = [:]
        for (key, window) in summary.capacity.windows {
            byModel[key.model, default: []].append((key.windowStartMillis, window))
        }
        var events: [Event] = []
        for (model, series) in byModel.sorted(by: { $0.key < $1.key }) {
            let windows = series.sorted { $0.0 < $1.0 }
            guard let reference = reference(for: windows) else { continue }
            let flags = windows.compactMap { start, window in flag(start: start, window: window, reference: reference) }
            for incident in fold(flags, length: length) where incident.count >= minimumWindows {
                events.append(event(model: model, incident: incident, reference: reference, length: length))
            }
        }
        return events
    }

    func measure(for windows: [(Int64, CapacityWindow)]) -> LatencyMeasure {
        let served = windows.reduce(0) { $0 + $1.1.latency.total }
        let withTokens = windows.reduce(0) { $0 + $1.1.latencyPerToken.total }
        return served > 0 && Double(withTokens) >= tokenJudgedShare * Double(served) ? .perCompletionToken : .perCall
    }

    func reference(for windows: [(Int64, CapacityWindow)]) -> Reference? {
        let measure = measure(for: windows)
        let p95s = windows.compactMap { _, window in
            let histogram = measure.histogram(window)
            return histogram.total >= minimumCallsForLatency ? histogram.quantile(0.95) : nil
        }.sorted()
        let shares = windows.filter { $0.1.records > 0 }.map { Double($0.1.failures) / Double($0.1.records) }.sorted()
        guard !shares.isEmpty else { return nil }
        let median = p95s.isEmpty ? 0 : Self.median(p95s)
        let mad = p95s.isEmpty ? 0 : Self.median(p95s.map { abs($0 - median) }.sorted())
        let cut = shares[min(shares.count - 1, Int(Double(shares.count) * 0.9))]
        var failures = 0
        var calls = 0
        for (_, window) in windows where window.records > 0 && Double(window.failures) / Double(window.records) <= cut {
            failures += window.failures
            calls += window.records
        }
        return Reference(
            measure: measure, p95: median, robustSpread: 1.4826 * mad,
            failureShare: calls > 0 ? Double(failures) / Double(calls) : 0)
    }

    func flag(start: Int64, window: CapacityWindow, reference: Reference) -> Flag? {
        var p95: Double?
        var slow = false
        let histogram = reference.measure.histogram(window)
        if histogram.total >= minimumCallsForLatency, reference.p95 > 0, let value = histogram.quantile(0.95) {
            p95 = value
            slow = value >= latencyRatio * reference.p95 && value > reference.p95 + madCount * reference.robustSpread
        }
        var failing = false
        if window.records > 0 && window.failures >= minimumFailures {
            let share = Double(window.failures) / Double(window.records)
            let usual = max(reference.failureShare, 0.001)
            let z = (share - usual) / (usual * (1 - usual) / Double(window.records)).squareRoot()
            failing = share >= minimumFailureShare && share >= failureRatio * usual && z > failureZ
        }
        guard slow || failing else { return nil }
        return Flag(start: start, window: window, slow: slow, failing: failing, p95: p95)
    }

    /// Groups flagged windows whose starts are at most two window lengths apart (one quiet window between).
    func fold(_ flags: [Flag], length: Int64) -> [[Flag]] {
        EventFolding.runs(flags, start: \.start, maximumGap: 2 * length)
    }

    private func event(model: String, incident: [Flag], reference: Reference, length: Int64) -> Event {
        var total = CapacityWindow()
        for flag in incident { total.merge(flag.window) }
        let slowWindows = incident.filter(\.slow).count
        let failingWindows = incident.filter(\.failing).count
        let peakP95 = incident.compactMap(\.p95).max() ?? 0
        let share = Double(total.failures) / Double(max(1, total.records))
        let peakShare = incident.map { Double($0.window.failures) / Double(max(1, $0.window.records)) }.max() ?? 0
        let start = incident.first!.start
        let end = incident.last!.start + length
        let minutes = Double(end - start) / 60_000
        let subtype =
            slowWindows > 0 && failingWindows > 0 ? "saturation" : slowWindows > 0 ? "latency" : "errors"
        let severe = minutes >= 30 || peakP95 >= 5 * reference.p95 || peakShare >= 0.25
        var evidence: [(String, EvidenceValue)] = [
            ("windows", .integer(Int64(incident.count))),
            ("window_seconds", .integer(length / 1000)),
            ("calls", .integer(Int64(total.records))),
            ("latency_measure", .text(reference.measure == .perCall ? "per call" : "per completion token")),
            ("reference_p95_ms", .number(Self.rounded(reference.p95))),
            ("latency_windows", .integer(Int64(slowWindows))),
            ("reference_failure_share", .number(Self.rounded(reference.failureShare, places: 4))),
            ("failure_share", .number(Self.rounded(share, places: 4))),
            ("failing_windows", .integer(Int64(failingWindows))),
            ("status_503", .integer(Int64(total.unavailable))),
            ("status_429", .integer(Int64(total.throttled))),
            ("status_5xx", .integer(Int64(total.serverErrors))),
        ]
        if peakP95 > 0 { evidence.insert(("peak_p95_ms", .number(Self.rounded(peakP95))), at: 4) }
        if let p99 = reference.measure.histogram(total).quantile(0.99) {
            evidence.append(("p99_ms", .number(Self.rounded(p99))))
        }
        var findings: [String] = []
        if slowWindows > 0 {
            findings.append(
                "p95 latency up to \(EvidenceRounding.fixed(peakP95, 1)) \(reference.measure.unit) against its usual \(EvidenceRounding.fixed(reference.p95, 1))"
            )
        }
        if failingWindows > 0 {
            findings.append(
                "\(EvidenceRounding.fixed(share * 100, 1))% of calls failed (5xx \(total.serverErrors), 503 \(total.unavailable), 429 \(total.throttled)) against its usual \(EvidenceRounding.fixed(reference.failureShare * 100, 2))%"
            )
        }
        return Event(
            type: .opsCapacity, subtype: subtype, severity: severe ? .high : .medium, startMillis: start,
            endMillis: end, entity: EventEntity(model: model), evidence: evidence,
            message:
                "\(model) was saturated for \(EvidenceRounding.fixed(minutes, 0)) min (\(incident.count) windows): \(findings.joined(separator: "; ")); check its capacity (replicas, GPU memory, rate limits) and what changed.",
            count: incident.count)
    }

    static func median(_ sorted: [Double]) -> Double {
        sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func rounded(_ value: Double, places: Int = 1) -> Double {
        EvidenceRounding.decimalPlaces(places).apply(value)
    }
}
