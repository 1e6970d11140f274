#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Raises the per-client abuse events of SPEC.md from `AnalysisSummary.abuse`:
///
/// - `abuse.extraction` (2022 8.16, 2013 A.14.1.2): a client's queries look like model
///   extraction or distillation. Tabular models: PRADA's test (Juuti et al. 2019: Shapiro–Wilk W
///   of the minimum scaled L2 distances of each query to the client's earlier ones of the same
///   class, W < 0.95 over at least 100 distances), the share of queries that duplicate an earlier
///   one or change a single feature of it, and the share near the decision boundary against the
///   model's population. LLMs: the share of calls asking for log-probabilities (Carlini et al.
///   2024), the completion-token share against peers, and prompt diversity. Input coverage
///   (Kesarwani et al. 2018), timing regularity (coefficient of variation of inter-arrival gaps)
///   and round-the-clock activity are supporting evidence. One primary signal is `low` (it shows
///   in the risk table); two make `medium`, three `high`; PRADA alone raises nothing, as natural
///   heavy-tailed tabular inputs are seldom normal either. Volume never counts.
/// - `abuse.rate` (8.6, A.12.1.3): calls or tokens in a window far above both the client's own
///   norm (the larger of the median of the same hour on earlier days and the 95th percentile of
///   all its earlier windows) and its peers on the model (robust z of log volume); throttling
///   (429) that the client keeps calling through raises it. Needs a day of the client's history.
/// - `abuse.credential_stuffing` (8.5, A.9.4.2): per address, 401/403 on more than 80% of at
///   least 20 attempts, in bursts of more than 5 per 10 s (CrowdSec `http-generic-bf`) or across
///   ten or more distinct keys.
/// - `abuse.key_sharing` (5.17, A.9.2.4): a key's distinct addresses (and /24 networks) in a
///   window far above its own norm (median and MAD of its other windows).
///
/// Consecutive flagged windows of one entity fold into one event (`count` = windows) that starts
/// at the entity's first record in those windows (the tracked tables count a key from its first
/// record while they have room, so the start and its id do not depend on how the records were
/// split among workers); the evidence is the strongest window's,
/// with the client's baseline beside it.
public struct AbuseDetector: Sendable {
    /// Every threshold, named with its reason.
    public var settings: AbuseSettings

    public init(settings: AbuseSettings = AbuseSettings()) {
        self.settings = settings
    }

    static let day: Int64 = 86_400_000

    public func events(for summary: AnalysisSummary) -> [Event] {
        let state = summary.abuse
        var events: [Event] = []
        events += extractionEvents(state)
        events += rateEvents(state)
        events += keySharingEvents(state)
        events += stuffingEvents(state)
        return events.sorted { ($0.startMillis, $0.id) < ($1.startMillis, $1.id) }
    }

    /// One window's verdict for an entity, before folding.
    struct Finding {
        var startMillis: Int64
        var endMillis: Int64
        var windowStart: Int64
        var severity: Severity
        var score: Double
        var signals: [String]
        var evidence: [(String, EvidenceValue)]
        var message: String
    }

    /// Folds consecutive windows (no more than one window apart) into events.
    func fold(
        _ findings: [Finding], windowMillis: Int64, type: EventType, entity: EventEntity, atlas: [String],
        owasp: [String]
    ) -> [Event] {
        let sorted = findings.sorted { $0.windowStart < $1.windowStart }
        let groups = EventFolding.runs(sorted, start: \.windowStart, maximumGap: 2 * windowMillis)
        return groups.map { group in
            let strongest = group.max { ($0.severity, $0.score) < ($1.severity, $1.score) }!
            var signals: [String] = []
            for finding in group {
                for signal in finding.signals where !signals.contains(signal) { signals.append(signal) }
            }
            var evidence: [(String, EvidenceValue)] = [
                ("signals", .text(signals.joined(separator: ", "))),
                ("windows", .integer(Int64(group.count))),
                ("window_seconds", .integer(windowMillis / 1000)),
                ("strongest_window", .text(TimestampParser.formatRFC3339(millis: strongest.windowStart))),
            ]
            evidence += strongest.evidence
            // The event starts at the entity's first record in its windows: tracked tables admit
            // every key while they have room (`ClientActivityRecorder.freeAdmissionShare`), so the
            // first record is counted by any number of workers and the id does not move.
            let firstRecord = group.map(\.startMillis).min()!
            evidence.insert(("first_record", .text(TimestampParser.formatRFC3339(millis: firstRecord))), at: 4)
            var event = Event(
                type: type, severity: strongest.severity, startMillis: firstRecord,
                endMillis: group.map(\.endMillis).max()!, entity: entity, evidence: evidence,
                message: strongest.message, count: group.count)
            event.atlas = atlas
            event.owasp = owasp
            return event
        }
    }

    /// `value` to `places` decimals (three by default) as evidence.
    static func rounded(_ value: Double, places: Int = 3) -> EvidenceValue {
        EvidenceRounding.decimalPlaces(places).evidence(value)
    }

    static func share(_ part: Int, _ whole: Int) -> Double { whole > 0 ? Double(part) / Double(whole) : 0 }

    // MARK: extraction

    func extractionEvents(_ state: AbuseState) -> [Event] {
        var events: [Event] = []
        for (model, table) in state.clients where !model.isEmpty {
            let population = state.models[model] ?? [:]
            // Peers' completion-token shares per window, for the LLM signal.
            var completionShares: [Int64: [Double]] = [:]
            // Peers' perturbation shares: with few features, natural queries also often match an
            // earlier one in all but one feature, so a client is compared with its peers.
            var perturbationShares: [Int64: [Double]] = [:]
            var variantShares: [Int64: [Double]] = [:]
            for cells in table.values {
                for cell in cells.values {
                    if cell.variantChecked >= settings.historyVariantPeerMinimumQueries {
                        variantShares[cell.windowStartMillis, default: []].append(
                            Self.share(cell.historyVariants + cell.historyCopies, cell.variantChecked))
                    }
                    if cell.tokens > 0 && cell.calls >= settings.completionPeerMinimumCalls {
                        completionShares[cell.windowStartMillis, default: []].append(
                            Self.share(cell.completionTokens, cell.tokens))
                    }
                    if cell.compared >= settings.perturbationPeerMinimumCompared {
                        perturbationShares[cell.windowStartMillis, default: []].append(
                            Self.share(cell.perturbations + cell.duplicates, cell.compared))
                    }
                }
            }
            for (client, cells) in table {
                var findings: [Finding] = []
                let ordered = cells.values.sorted { $0.windowStartMillis < $1.windowStartMillis }
                for cell in ordered {
                    let totals = population[cell.windowStartMillis] ?? ModelWindowTotals()
                    if let finding = tabularExtraction(
                        cell, totals: totals, peerPerturbation: perturbationShares[cell.windowStartMillis] ?? [],
                        peerVariants: variantShares[cell.windowStartMillis] ?? [], client: client, model: model)
                    {
                        findings.append(finding)
                    }
                    if let finding = llmExtraction(
                        cell, totals: totals, peers: completionShares[cell.windowStartMillis] ?? [], history: ordered,
                        windowMillis: state.windowMillis, client: client, model: model)
                    {
                        findings.append(finding)
                    }
                }
                events += fold(
                    findings, windowMillis: state.windowMillis, type: .abuseExtraction,
                    entity: EventEntity(model: model, client: client),
                    atlas: ["AML.T0024.002", "AML.T0005.001"], owasp: ["LLM10:2025"])
            }
        }
        return events
    }

    func tabularExtraction(
        _ cell: ClientWindow, totals: ModelWindowTotals, peerPerturbation: [Double], peerVariants: [Double] = [],
        client: String, model: String
    ) -> Finding? {
        guard cell.compared >= settings.tabularMinimumCompared else { return nil }
        var signals: [String] = []
        var evidence: [(String, EvidenceValue)] = [
            ("queries", .integer(Int64(cell.calls))), ("compared_queries", .integer(Int64(cell.compared))),
        ]
        let distances = cell.distances.sample
        evidence.append(("prada_distances", .integer(Int64(cell.distances.offered))))
        evidence.append(("prada_sample", .integer(Int64(distances.count))))
        if distances.count >= settings.pradaMinimumDistances {
            if let result = ShapiroWilk.test(distances) {
                evidence.append(("shapiro_wilk_w", Self.rounded(result.w, places: 4)))
                evidence.append(("shapiro_wilk_p", .number(result.p)))
                if result.w < settings.pradaThreshold { signals.append("prada") }
            } else {
                evidence.append(("shapiro_wilk_w", .text("undefined: every distance equal")))
                signals.append("prada")
            }
            evidence.append(("prada_threshold", .number(settings.pradaThreshold)))
        }
        let perturbed = Self.share(cell.perturbations + cell.duplicates, cell.compared)
        evidence.append(("perturbation_share", Self.rounded(perturbed)))
        evidence.append(("single_feature_changes", .integer(Int64(cell.perturbations))))
        evidence.append(("duplicates", .integer(Int64(cell.duplicates))))
        // The median over the client and its peers (at least three of them), so the client alone
        // never sets its own bar.
        let peerMedian =
            peerPerturbation.count >= settings.perturbationPeerMinimum
            ? RobustStatistics.median(peerPerturbation) ?? 0 : 0
        evidence.append(("peer_perturbation_share_median", Self.rounded(peerMedian)))
        if perturbed >= max(settings.perturbationShare, settings.perturbationPeerMultiple * peerMedian) {
            signals.append("perturbation")
        }
        // Against every earlier query of the client in the window (a sweep that branches from
        // anywhere in its history): a copy, or a copy with one feature changed.
        let variantShare = Self.share(cell.historyVariants + cell.historyCopies, cell.variantChecked)
        let peerVariantMedian = peerVariants.count >= 4 ? RobustStatistics.median(peerVariants) ?? 0 : 0
        evidence.append(("history_checked_queries", .integer(Int64(cell.variantChecked))))
        evidence.append(("one_feature_variant_share", Self.rounded(variantShare)))
        evidence.append(("one_feature_variants", .integer(Int64(cell.historyVariants))))
        evidence.append(("copies_of_earlier", .integer(Int64(cell.historyCopies))))
        evidence.append(("peer_variant_share_median", Self.rounded(peerVariantMedian)))
        if cell.variantChecked >= settings.historyVariantMinimumQueries
            && variantShare >= max(settings.historyVariantShare, settings.perturbationPeerMultiple * peerVariantMedian)
        {
            signals.append("history_variants")
            // Most of hundreds of queries copying an earlier one of their own in all features
            // but one, each continuous value held exactly, is no natural traffic: it stands
            // for two signals (medium) on its own.
            if variantShare >= settings.historyVariantStrongShare { signals.append("history_variants_majority") }
        }
        let boundary = Self.share(cell.nearBoundary, cell.scored)
        // The population without the client itself, which may be most of a window's traffic.
        let populationBoundary = Self.share(totals.nearBoundary - cell.nearBoundary, totals.scored - cell.scored)
        evidence.append(("near_boundary_share", Self.rounded(boundary)))
        evidence.append(("population_near_boundary_share", Self.rounded(populationBoundary)))
        if cell.scored >= settings.boundaryMinimumScored
            && boundary >= max(settings.boundaryShare, settings.boundaryPopulationMultiple * populationBoundary)
        {
            signals.append("decision_boundary")
        }
        let coverage = totals.coverage.estimate > 0 ? cell.coverage.estimate / totals.coverage.estimate : 0
        evidence.append(("input_coverage", Self.rounded(coverage)))
        let primary = signals.count
        if let cv = cell.gaps.coefficientOfVariation, cell.gaps.count >= settings.tabularMinimumGaps {
            evidence.append(("inter_arrival_cv", Self.rounded(cv)))
            if cv < settings.regularTimingVariation { signals.append("regular_timing") }
        }
        // Natural, heavy-tailed inputs seldom give normal distances (ordinary clients of the
        // generated traffic show W of 0.45-0.8), so PRADA alone raises nothing: it counts only
        // beside another primary signal.
        guard primary >= 1, signals.first(where: { $0 != "prada" && $0 != "regular_timing" }) != nil else {
            return nil
        }
        let severity: Severity = primary >= 3 ? .high : (primary == 2 ? .medium : .low)
        let message =
            "\(client) sent \(cell.calls) queries to \(model) in a window with extraction signals (\(signals.joined(separator: ", "))): "
            + "\(Int((max(perturbed, variantShare) * 100).rounded()))% repeat or change one feature of an earlier query of its own"
            + (severity >= .medium ? "; review the key's queries and rate-limit or revoke it." : ".")
        return Finding(
            startMillis: cell.firstMillis, endMillis: cell.lastMillis, windowStart: cell.windowStartMillis,
            severity: severity, score: Double(primary) + perturbed, signals: signals, evidence: evidence,
            message: message)
    }

    func llmExtraction(
        _ cell: ClientWindow, totals: ModelWindowTotals, peers: [Double], history: [ClientWindow], windowMillis: Int64,
        client: String, model: String
    ) -> Finding? {
        guard cell.calls >= settings.llmMinimumCalls, cell.promptTokens > 0 else { return nil }
        var signals: [String] = []
        let logprobs = Self.share(cell.logprobCalls, cell.calls)
        let populationLogprobs = Self.share(totals.logprobCalls - cell.logprobCalls, totals.calls - cell.calls)
        var evidence: [(String, EvidenceValue)] = [
            ("calls", .integer(Int64(cell.calls))), ("logprob_share", Self.rounded(logprobs)),
            ("population_logprob_share", Self.rounded(populationLogprobs)),
        ]
        if logprobs >= settings.logprobShare && logprobs >= settings.logprobPopulationMultiple * populationLogprobs {
            signals.append("logprobs")
        }
        let completion = Self.share(cell.completionTokens, cell.tokens)
        evidence.append(("completion_token_share", Self.rounded(completion)))
        if peers.count >= settings.completionPeerMinimum, let peerMedian = RobustStatistics.median(peers),
            let z = RobustStatistics.robustZ(completion, baseline: peers, minimumScale: settings.completionMinimumScale)
        {
            evidence.append(("peer_completion_share_median", Self.rounded(peerMedian)))
            evidence.append(("completion_share_robust_z", Self.rounded(z, places: 2)))
            if z >= settings.completionZ { signals.append("completion_share") }
        }
        let distinctLengths = cell.promptLengths.estimate
        evidence.append(("distinct_prompt_lengths", Self.rounded(distinctLengths, places: 0)))
        if cell.calls >= settings.diversityMinimumCalls
            && distinctLengths < settings.diversityShare * Double(min(cell.calls, settings.diversityCallCap))
        {
            signals.append("low_prompt_diversity")
        }
        let primary = signals.count
        // Round the clock: active in most hours of the last 24 (`roundTheClockHours`).
        if windowMillis == 3_600_000 {
            let since = cell.windowStartMillis - Self.day
            let active = history.filter {
                $0.windowStartMillis > since && $0.windowStartMillis <= cell.windowStartMillis
            }
            evidence.append(("active_hours_last_day", .integer(Int64(active.count))))
            if active.count >= settings.roundTheClockHours { signals.append("round_the_clock") }
        }
        if let cv = cell.gaps.coefficientOfVariation, cell.gaps.count >= settings.llmMinimumGaps {
            evidence.append(("inter_arrival_cv", Self.rounded(cv)))
            if cv < settings.regularTimingVariation { signals.append("regular_timing") }
        }
        guard signals.contains("logprobs") || primary >= 2 else { return nil }
        let supporting = signals.count - primary
        let strength = primary + (supporting > 0 && primary >= 1 ? 1 : 0)
        let severity: Severity = strength >= 3 ? .high : (strength == 2 ? .medium : .low)
        let message =
            "\(client) made \(cell.calls) calls to \(model) with distillation signals (\(signals.joined(separator: ", "))): "
            + "\(Int((logprobs * 100).rounded()))% asked for log-probabilities (population \(EvidenceRounding.fixed(populationLogprobs * 100, 1))%)"
            + (severity >= .medium ? "; review the key and withhold logprobs from it." : ".")
        return Finding(
            startMillis: cell.firstMillis, endMillis: cell.lastMillis, windowStart: cell.windowStartMillis,
            severity: severity, score: Double(strength) + logprobs, signals: signals, evidence: evidence,
            message: message)
    }

    // MARK: rate

    func rateEvents(_ state: AbuseState) -> [Event] {
        var byClient: [String: [Event]] = [:]
        let length = state.windowMillis
        for (model, table) in state.clients {
            var peerCalls: [Int64: [Double]] = [:]
            for cells in table.values {
                for cell in cells.values {
                    peerCalls[cell.windowStartMillis, default: []].append(log10(Double(cell.calls) + 1))
                }
            }
            for (client, cells) in table {
                guard let first = cells.keys.min() else { continue }
                var findings: [Finding] = []
                for cell in cells.values where cell.windowStartMillis - first >= Self.day {
                    // Below the norms' floors times the ratio nothing can fire: skip the work.
                    guard
                        Double(cell.calls) >= settings.rateRatio * settings.callNormFloor
                            || Double(cell.tokens) >= settings.rateRatio * settings.tokenNormFloor
                    else {
                        continue
                    }
                    let calls = norm(cells, at: cell.windowStartMillis, first: first, length: length) {
                        Double($0.calls)
                    }
                    let tokens = norm(cells, at: cell.windowStartMillis, first: first, length: length) {
                        Double($0.tokens)
                    }
                    let callNorm = max(calls.norm, settings.callNormFloor)
                    let tokenNorm = max(tokens.norm, settings.tokenNormFloor)
                    let callRatio = Double(cell.calls) / callNorm
                    let tokenRatio = Double(cell.tokens) / tokenNorm
                    let peers = peerCalls[cell.windowStartMillis] ?? []
                    guard peers.count >= settings.ratePeerMinimum,
                        let z = RobustStatistics.robustZ(
                            log10(Double(cell.calls) + 1), baseline: peers, minimumScale: settings.rateMinimumScale)
                    else { continue }
                    var signals: [String] = []
                    if callRatio >= settings.rateRatio { signals.append("calls") }
                    if cell.tokens > 0 && tokenRatio >= settings.rateRatio { signals.append("tokens") }
                    guard !signals.isEmpty, z >= settings.peerZ else { continue }
                    let persistence =
                        cell.throttled >= settings.persistenceThrottled
                        && cell.callsAfterThrottle >= settings.persistenceCallsAfterThrottle
                    if persistence { signals.append("persists_after_429") }
                    let ratio = max(callRatio, cell.tokens > 0 ? tokenRatio : 0)
                    let severity: Severity = ratio >= settings.highRateRatio || persistence ? .high : .medium
                    var evidence: [(String, EvidenceValue)] = [
                        ("calls", .integer(Int64(cell.calls))), ("own_norm_calls", Self.rounded(calls.norm, places: 1)),
                        ("same_hour_earlier_days_median", Self.rounded(calls.seasonal, places: 1)),
                        ("earlier_windows_p95", Self.rounded(calls.upper, places: 1)),
                        ("calls_ratio", Self.rounded(callRatio, places: 1)), ("tokens", .integer(Int64(cell.tokens))),
                        ("own_norm_tokens", Self.rounded(tokens.norm, places: 0)),
                        ("tokens_ratio", Self.rounded(tokenRatio, places: 1)),
                        ("peers", .integer(Int64(peers.count))),
                        (
                            "peer_median_calls",
                            Self.rounded(pow(10, RobustStatistics.median(peers) ?? 0) - 1, places: 1)
                        ),
                        ("peer_robust_z_log_calls", Self.rounded(z, places: 2)),
                        ("throttled_429", .integer(Int64(cell.throttled))),
                        ("calls_after_first_429", .integer(Int64(cell.callsAfterThrottle))),
                    ]
                    if let cv = cell.gaps.coefficientOfVariation {
                        evidence.append(("inter_arrival_cv", Self.rounded(cv)))
                    }
                    let destination = model.isEmpty ? "through the gateway" : "to \(model)"
                    var message =
                        "\(client) made \(cell.calls) calls\(cell.tokens > 0 ? " (\(cell.tokens) tokens)" : "") \(destination) in one window, \(EvidenceRounding.fixed(ratio, 1))× its own norm and far above its \(peers.count) peers"
                    message +=
                        persistence
                        ? ", and kept calling through \(cell.throttled) throttled (429) answers: cap the key's quota."
                        : ": check the key's spend and cap its quota."
                    findings.append(
                        Finding(
                            startMillis: cell.firstMillis, endMillis: cell.lastMillis,
                            windowStart: cell.windowStartMillis,
                            severity: severity, score: ratio, signals: signals, evidence: evidence, message: message))
                }
                let entity = EventEntity(model: model.isEmpty ? nil : model, client: client)
                byClient[client, default: []] += fold(
                    findings, windowMillis: length, type: .abuseRate, entity: entity, atlas: ["AML.T0034"],
                    owasp: ["LLM10:2025", "API4:2023"])
            }
        }
        // The gateway and the inference log see the same calls: keep the gateway's view of a client
        // only where the inference log raised nothing overlapping it.
        var events: [Event] = []
        for (_, raised) in byClient {
            let modelled = raised.filter { $0.entity.model != nil }
            for event in raised {
                if event.entity.model == nil,
                    modelled.contains(where: { $0.startMillis <= event.endMillis && $0.endMillis >= event.startMillis })
                {
                    continue
                }
                events.append(event)
            }
        }
        return events
    }

    /// A client's own norm for a window: the larger of the median of the same window on the seven
    /// earlier days (a daily batch job is normal at its hour) and the 95th percentile of every
    /// earlier window since its first (inactive windows count as 0).
    func norm(
        _ cells: [Int64: ClientWindow], at start: Int64, first: Int64, length: Int64, value: (ClientWindow) -> Double
    ) -> (norm: Double, seasonal: Double, upper: Double) {
        var seasonal: [Double] = []
        var dayBack = start - Self.day
        while dayBack >= first && seasonal.count < settings.seasonalDays {
            seasonal.append(cells[dayBack].map(value) ?? 0)
            dayBack -= Self.day
        }
        var earlier: [Double] = []
        var window = first
        while window < start {
            earlier.append(cells[window].map(value) ?? 0)
            window += length
        }
        earlier.sort()
        let upper =
            earlier.isEmpty ? 0 : earlier[min(earlier.count - 1, Int(settings.normPercentile * Double(earlier.count)))]
        let seasonalMedian = RobustStatistics.median(seasonal) ?? 0
        return (max(seasonalMedian, upper), seasonalMedian, upper)
    }

    // MARK: key sharing

    func keySharingEvents(_ state: AbuseState) -> [Event] {
        var perKey:
            [String: [Int64: (addresses: SmallDistinctCount, networks: SmallDistinctCount, first: Int64, last: Int64)]] =
                [:]
        for table in state.clients.values {
            for (client, cells) in table {
                for cell in cells.values {
                    if var existing = perKey[client]?[cell.windowStartMillis] {
                        existing.addresses.merge(cell.addresses)
                        existing.networks.merge(cell.networks)
                        existing.first = min(existing.first, cell.firstMillis)
                        existing.last = max(existing.last, cell.lastMillis)
                        perKey[client]![cell.windowStartMillis] = existing
                    } else {
                        perKey[client, default: [:]][cell.windowStartMillis] = (
                            cell.addresses, cell.networks, cell.firstMillis, cell.lastMillis
                        )
                    }
                }
            }
        }
        var events: [Event] = []
        for (client, windows) in perKey {
            let counts = windows.mapValues { $0.addresses.estimate.rounded() }
            var findings: [Finding] = []
            for (start, window) in windows {
                let addresses = counts[start]!
                guard addresses >= Double(settings.sharingAddresses) else { continue }
                var others = windows.keys.filter { $0 < start }.map { counts[$0]! }
                if others.count < settings.sharingPreferredBaseline {
                    others = windows.keys.filter { $0 != start }.map { counts[$0]! }
                }
                guard others.count >= settings.sharingMinimumBaseline, let median = RobustStatistics.median(others),
                    let z = RobustStatistics.robustZ(
                        addresses, baseline: others, minimumScale: settings.sharingMinimumScale)
                else { continue }
                let networks = window.networks.estimate.rounded()
                guard addresses >= settings.sharingMultiple * max(median, 1), z >= settings.sharingZ,
                    networks >= settings.sharingNetworks
                else { continue }
                let severity: Severity = addresses >= settings.sharingHighAddresses ? .high : .medium
                let message =
                    "\(client) was used from ≈\(Int(addresses)) addresses in ≈\(Int(networks)) networks in one window, against a norm of \(Int(median)): the key may be shared or leaked; rotate it."
                findings.append(
                    Finding(
                        startMillis: window.first, endMillis: window.last, windowStart: start, severity: severity,
                        score: addresses / max(median, 1), signals: ["addresses"],
                        evidence: [
                            ("distinct_addresses", .integer(Int64(addresses))),
                            ("distinct_networks_24", .integer(Int64(networks))),
                            ("own_median_addresses", Self.rounded(median, places: 1)),
                            (
                                "own_mad_addresses",
                                Self.rounded(RobustStatistics.medianAbsoluteDeviation(others) ?? 0, places: 1)
                            ),
                            ("robust_z", Self.rounded(z, places: 2)),
                            ("baseline_windows", .integer(Int64(others.count))),
                        ], message: message))
            }
            events += fold(
                findings, windowMillis: state.windowMillis, type: .abuseKeySharing, entity: EventEntity(client: client),
                atlas: ["AML.T0012"], owasp: ["API2:2023"])
        }
        return events
    }

    // MARK: credential stuffing

    func stuffingEvents(_ state: AbuseState) -> [Event] {
        var events: [Event] = []
        for (address, cells) in state.addresses {
            var findings: [Finding] = []
            for cell in cells.values where cell.authFailures >= settings.stuffingMinimumFailures {
                let share = Self.share(cell.authFailures, cell.attempts)
                let failedKeys = Int(cell.failedKeys.estimate.rounded())
                let peak = cell.peakFailuresPer10s
                var signals: [String] = []
                if peak > settings.stuffingBurst { signals.append("burst") }
                if failedKeys >= settings.stuffingKeys { signals.append("many_keys") }
                let strong =
                    cell.attempts >= settings.stuffingAttempts && share > settings.stuffingFailureShare
                    && !signals.isEmpty
                guard strong || (failedKeys >= settings.weakStuffingKeys && share > settings.weakStuffingFailureShare)
                else { continue }
                let severity: Severity =
                    strong
                    ? (failedKeys >= settings.highStuffingKeys || cell.authFailures >= settings.highStuffingFailures
                        ? .high : .medium) : .low
                let message =
                    "\(address) was refused (401/403) \(cell.authFailures) times out of \(cell.attempts) attempts with ≈\(failedKeys) distinct keys, up to \(peak) in 10 s"
                    + (strong ? ": block the address and check the keys that succeeded from it." : ".")
                findings.append(
                    Finding(
                        startMillis: cell.firstMillis, endMillis: cell.lastMillis, windowStart: cell.windowStartMillis,
                        severity: severity, score: Double(cell.authFailures), signals: signals,
                        evidence: [
                            ("attempts", .integer(Int64(cell.attempts))),
                            ("auth_failures", .integer(Int64(cell.authFailures))),
                            ("failure_share", Self.rounded(share)),
                            ("distinct_failed_keys", .integer(Int64(failedKeys))),
                            ("distinct_keys", .integer(Int64(cell.keys.estimate.rounded()))),
                            ("peak_failures_per_10s", .integer(Int64(peak))),
                            ("burst_threshold_per_10s", .integer(Int64(settings.stuffingBurst))),
                        ], message: message))
            }
            events += fold(
                findings, windowMillis: state.windowMillis, type: .abuseCredentialStuffing,
                entity: EventEntity(ip: address), atlas: ["AML.T0012"], owasp: ["API2:2023"])
        }
        return events
    }
}
