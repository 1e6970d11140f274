/// Builds a `ReportDocument` from a summary and its evaluation. Each section reads the summary
/// through one small function here, so a move of feature state inside `AnalysisSummary` changes
/// one accessor, not the renderers.
public enum ReportFigures {
    /// Rows in each top table (clients, addresses, probing addresses, abuse).
    public static let topRows = 10
    /// Most incidents listed one by one; the rest are counted by type and severity. Bounds the
    /// report's size on an input with thousands of low events.
    public static let listedIncidents = 200
    static let dayMillis: Int64 = 86_400_000

    /// The whole document for one summary. `statuses` gives an incident's status and nights by
    /// event id (the nightly report); without it every incident is new. Days that start after
    /// `futureLimitMillis` (records stamped in the future, which the integrity check reports)
    /// are left off the trend charts, so one bad clock does not stretch every axis by years.
    public static func document(
        summary: AnalysisSummary, result: AnalysisResult, scope: String, generatedMillis: Int64,
        statuses: [String: (IncidentStatus, String?, String?)] = [:], futureLimitMillis: Int64 = .max
    ) -> ReportDocument {
        let days = days(summary).filter { $0.startMillis <= futureLimitMillis }
        return ReportDocument(
            scope: scope, generated: TimestampParser.formatRFC3339(millis: generatedMillis), days: days,
            incidents: incidents(result.events, statuses: statuses), drift: drift(result.drift),
            abuse: abuse(result.events, days: days), controls: controls(summary, result),
            gatewayClients: principals(summary.gateway.clients),
            gatewayAddresses: principals(summary.gateway.addresses),
            gatewayFailingPaths: principals(summary.gatewayViews.failingPaths),
            gatewayUserAgents: principals(summary.gatewayViews.userAgents),
            probes: probes(summary.probes), sources: sources(summary))
    }

    /// Per UTC day: each model's windows added, and the gateway's status classes.
    public static func days(_ summary: AnalysisSummary) -> [DayFigures] {
        var models: [Int64: [String: StreamWindow]] = [:]
        var gateway: [Int64: [Int]] = [:]
        for (key, window) in summary.windows {
            let day = Self.floorDiv(key.windowStartMillis, dayMillis) * dayMillis
            let kind = key.source < summary.sources.count ? summary.sources[key.source].kind : .unknown
            if kind == .access {
                var classes = gateway[day] ?? [Int](repeating: 0, count: 6)
                for index in classes.indices { classes[index] += window.statusClasses[index] }
                gateway[day] = classes
            } else if let model = key.model {
                models[day, default: [:]][model, default: StreamWindow()].merge(window)
            }
        }
        let starts = Set(models.keys).union(gateway.keys).sorted()
        return starts.map { start in
            let perModel = (models[start] ?? [:]).sorted { $0.key < $1.key }.map { model, window in
                ModelDay(
                    model: model, records: window.records, p50: window.latency.quantile(0.5),
                    p95: window.latency.quantile(0.95), p99: window.latency.quantile(0.99),
                    errorShare: window.records > 0
                        ? Double(window.serverErrors + window.throttled) / Double(window.records) : 0,
                    promptTokens: window.promptTokens, completionTokens: window.completionTokens)
            }
            return DayFigures(
                day: dayLabel(start), startMillis: start, models: perModel,
                gatewayStatusClasses: gateway[start] ?? [Int](repeating: 0, count: 6))
        }
    }

    /// `YYYY-MM-DD` of the UTC day that holds `millis`.
    public static func dayLabel(_ millis: Int64) -> String {
        String(TimestampParser.formatRFC3339(millis: floorDiv(millis, dayMillis) * dayMillis).prefix(10))
    }

    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }

    /// Events worst first (severity, then status, then start), as report rows.
    public static func incidents(
        _ events: [Event], statuses: [String: (IncidentStatus, String?, String?)]
    ) -> [ReportIncident] {
        events.map { event in
            let known = statuses[event.id]
            return ReportIncident(
                event, status: known?.0 ?? .new, firstNight: known?.1, lastNight: known?.2)
        }.sorted {
            ($1.severityRank, $0.status.rank, $0.start, $0.id) < ($0.severityRank, $1.status.rank, $1.start, $1.id)
        }
    }

    /// Each compared quantity's statistic per drift window.
    public static func drift(_ analysis: DriftDetector.Analysis?) -> [DriftSeries] {
        guard let analysis else { return [] }
        var series: [DriftSeries] = []
        for table in analysis.tables.sorted(by: { $0.model < $1.model }) {
            for row in table.rows where !row.perWindow.isEmpty {
                series.append(
                    DriftSeries(
                        model: table.model, subject: row.subject, kind: row.kind,
                        points: row.perWindow.sorted { $0.windowStartMillis < $1.windowStartMillis }.map {
                            DriftSeries.Point(
                                day: dayLabel($0.windowStartMillis), statistic: $0.statistic, value: $0.value,
                                threshold: $0.threshold, ratio: $0.ratio, drifted: $0.drifted)
                        }))
            }
        }
        return series
    }

    /// One row per client or address named by an `abuse.*` event, worst first, with its worst
    /// severity on each day.
    public static func abuse(_ events: [Event], days: [DayFigures]) -> [AbuseRow] {
        var rows: [String: AbuseRow] = [:]
        var scores: [String: Double] = [:]
        let dayIndex = Dictionary(uniqueKeysWithValues: days.enumerated().map { ($1.startMillis, $0) })
        for event in events where event.type.rawValue.hasPrefix("abuse.") {
            guard let name = event.entity.client.map({ "client " + $0 }) ?? event.entity.ip.map({ "address " + $0 })
            else { continue }
            var row =
                rows[name]
                ?? AbuseRow(
                    entity: name, worst: event.severity.name, worstRank: event.severity.rawValue, types: [],
                    signals: [], windows: 0, firstSeen: TimestampParser.formatRFC3339(millis: event.startMillis),
                    perDay: [Int](repeating: -1, count: days.count))
            if event.severity.rawValue > row.worstRank {
                row.worstRank = event.severity.rawValue
                row.worst = event.severity.name
            }
            // Severity dominates; within it, more windows rank higher (as the terminal table does).
            scores[name, default: 0] += Double(1 << (2 * event.severity.rawValue)) * Double(max(1, event.count ?? 1))
            let type = String(event.type.rawValue.dropFirst("abuse.".count))
            if !row.types.contains(type) { row.types.append(type) }
            if case .text(let text)? = event.evidence.first(where: { $0.0 == "signals" })?.1 {
                for signal in text.split(separator: ",") {
                    let trimmed = signal.split(separator: " ").joined(separator: " ")
                    if !trimmed.isEmpty && !row.signals.contains(trimmed) { row.signals.append(trimmed) }
                }
            }
            row.windows += event.count ?? 1
            let first = TimestampParser.formatRFC3339(millis: event.startMillis)
            if first < row.firstSeen { row.firstSeen = first }
            // Every day the event spans shows it.
            var day = floorDiv(event.startMillis, dayMillis) * dayMillis
            while day <= event.endMillis {
                if let index = dayIndex[day] { row.perDay[index] = max(row.perDay[index], event.severity.rawValue) }
                day += dayMillis
            }
            rows[name] = row
        }
        return rows.values.sorted {
            ($0.worstRank, scores[$0.entity] ?? 0, $1.entity) > ($1.worstRank, scores[$1.entity] ?? 0, $0.entity)
        }.prefix(topRows).map { $0 }
    }

    /// What each catalogue entry needs in the input, for "not checkable" and its reason.
    static func missingInput(for type: EventType, summary: AnalysisSummary) -> String? {
        let kinds = Set(summary.sources.filter { $0.parsed > 0 }.map(\.kind))
        let hasInference = kinds.contains(.inference)
        let hasAccess = kinds.contains(.access)
        switch type {
        case .driftFeature, .driftPrediction, .qualityAccuracyDrop, .qualityData, .opsChange, .opsCapacity,
            .abuseExtraction, .abuseRate:
            return hasInference ? nil : "no inference records in the input"
        case .abuseCredentialStuffing, .opsVulnProbe, .opsAdminAction:
            return hasAccess ? nil : "no gateway access log in the input"
        case .opsClockSkew:
            return hasInference && hasAccess ? nil : "needs both inference and access logs with request ids"
        case .abuseKeySharing, .opsEnvSeparation, .opsLoggingGap, .opsLoggingIntegrity:
            return hasInference || hasAccess ? nil : "no records in the input"
        }
    }

    /// One row per catalogue entry: checked (and what it found), not checkable (and why), or not
    /// checked by this run's configuration.
    public static func controls(_ summary: AnalysisSummary, _ result: AnalysisResult) -> [ControlRow] {
        EventType.allCases.map { type in
            let raised = result.events.filter { $0.type == type }
            let worst = raised.map(\.severity).max()
            let status: String
            let note: String
            if !result.checkedTypes.contains(type) {
                status = "not checked"
                note = "profiling is off in this run"
            } else if raised.isEmpty, let missing = missingInput(for: type, summary: summary) {
                status = "not checkable"
                note = missing
            } else {
                status = "checked"
                note =
                    raised.isEmpty
                    ? "nothing found"
                    : "\(raised.count) event\(raised.count == 1 ? "" : "s"), worst \(worst?.name ?? "info")"
            }
            return ControlRow(
                iso2022: type.controls.iso2022.joined(separator: ", "),
                iso2013: type.controls.iso2013.joined(separator: ", "), type: type.rawValue, status: status,
                note: note, events: raised.count, worst: worst?.name)
        }
    }

    public static func principals(_ hitters: HeavyHitters) -> [PrincipalRow] {
        hitters.top(topRows).map {
            PrincipalRow(
                key: $0.key, requests: $0.count, clientErrors: $0.activity.clientErrors,
                serverErrors: $0.activity.serverErrors, authFailures: $0.activity.authFailures,
                throttled: $0.activity.throttled)
        }
    }

    public static func probes(_ table: RequestFindingTable) -> [ProbeRow] {
        table.findings.sorted { ($0.value.hits, $1.key) > ($1.value.hits, $0.key) }.prefix(topRows).map {
            ProbeRow(
                key: $0.key, hits: $0.value.hits, answered: $0.value.successes, samples: $0.value.samples,
                tags: $0.value.tags)
        }
    }

    public static func sources(_ summary: AnalysisSummary) -> [SourceRow] {
        summary.sources.map { source in
            var rejected: [String: Int] = [:]
            for reason in RejectReason.allCases where source.rejected[reason.rawValue] > 0 {
                rejected[reason.name] = source.rejected[reason.rawValue]
            }
            var lost: String?
            switch source.gzipEnding {
            case .truncated?: lost = "truncated at compressed byte \(source.damageOffset ?? source.bytesRead)"
            case .corrupt(let error)?:
                lost = "corrupt at compressed byte \(source.damageOffset ?? 0) (\(error.description))"
            case .trailingGarbage?: lost = "non-gzip bytes from compressed byte \(source.damageOffset ?? 0)"
            case .complete?, nil: break
            }
            if let readError = source.readError { lost = readError }
            return SourceRow(
                path: source.path, kind: source.kind.rawValue,
                compression: source.compression == .gzip ? "gzip ×\(source.gzipMembers)" : "plain",
                bytesRead: source.bytesRead, lines: source.lines, parsed: source.parsed, rejected: rejected,
                late: source.futureRecords, lost: lost, lostCompressedBytes: source.lostCompressedBytes,
                start: source.firstMillis == .max ? nil : TimestampParser.formatRFC3339(millis: source.firstMillis),
                end: source.lastMillis == .min ? nil : TimestampParser.formatRFC3339(millis: source.lastMillis))
        }
    }
}
