#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Raises `drift.feature`, `drift.prediction`, `quality.accuracy_drop` and `quality.data`
/// (ISO 27001:2022 8.16, 2013 A.12.4.1) by comparing each model's drift windows (a UTC calendar
/// day by default) with its reference: the first 24 hours of the input, or a `--baseline` file.
///
/// Verdicts rest on effect size, because at a hundred thousand rows every p-value is tiny; the
/// rule is Evidently's default (`get_default_stattest`): with more than 1,000 values in the
/// reference and in the window, a number drifts when the normalised Wasserstein distance reaches
/// 0.1 and a category when the Jensen–Shannon distance does; with fewer, when the
/// Kolmogorov–Smirnov or chi-square p-value is below 0.05 (such a drift is `low` unless its effect
/// size passes the threshold too). Evidently looks at the reference's size only; a small window
/// of a heavy-tailed feature then passes 0.1 by sampling noise alone (a 125-record hour of a
/// log-normal amount did in 17 of 24 hours in our tests), so the window's size counts too. A
/// numeric feature with at most five distinct values is compared as categories, as Evidently
/// does. Severity grows with effect size: `medium` from the threshold, `high` from twice it,
/// `critical` from four times. Consecutive drifting windows of one feature fold into one event
/// (`count` windows) whose evidence is the worst window's.
///
/// Every event's evidence names the statistic, value, threshold, `n_ref`, `n_cur`, the
/// reference's time range, size and origin, and what moved most ("country XX: 0.0% → 15.1%",
/// "amount p50 36.6 → 60.2").
public struct DriftDetector: Sendable {
    public var configuration: DriftConfiguration
    /// References from a `--baseline` file by model; nil takes each model's first hours.
    public var baseline: [String: DriftReference]?

    public init(configuration: DriftConfiguration = DriftConfiguration(), baseline: [String: DriftReference]? = nil) {
        self.configuration = configuration
        self.baseline = baseline
    }

    /// One comparison of one quantity in one window.
    public struct Comparison: Sendable {
        public var statistic: String
        public var value: Double
        public var threshold: Double
        public var pValue: Double?
        public var psi: Double
        public var referenceCount: Int
        public var currentCount: Int
        public var movedMost: String
        /// nil when the quantity did not drift.
        public var severity: Severity?
        /// Effect size over its threshold: what severity and the worst window are chosen by.
        public var ratio: Double
    }

    /// A row of the per-model drift table: one quantity over all compared windows.
    public struct TableRow: Sendable {
        public var subject: String
        public var kind: String
        public var worst: Comparison?
        public var windowsCompared = 0
        public var windowsDrifted = 0
    }

    public struct ModelTable: Sendable {
        public var model: String
        public var reference: DriftReference
        public var rows: [TableRow]
        public var accuracy: String?
    }

    /// The events and the per-model table `analyze` prints.
    public struct Analysis: Sendable {
        public var events: [Event] = []
        public var tables: [ModelTable] = []
        /// Profiles read (model × window) and their approximate bytes.
        public var profileCount = 0
        public var profileBytes = 0
    }

    public func events(for summary: AnalysisSummary) -> [Event] { analyze(summary.profiles).events }

    public func analyze(_ profiles: ModelProfiles) -> Analysis {
        let references =
            baseline
            ?? DriftReference.firstHours(
                configuration.referenceHours, of: profiles, minimumRecords: configuration.minimumRecords)
        var analysis = Analysis()
        analysis.profileCount = profiles.profiles.count
        analysis.profileBytes = profiles.footprint
        for model in profiles.models {
            guard let reference = references[model] else { continue }
            let windows = profiles.windows(of: model).filter {
                !reference.windowStarts.contains($0.key.windowStartMillis)
                    && $0.profile.records >= configuration.minimumRecords
            }
            analyze(
                model: model, reference: reference, windows: windows, windowMillis: profiles.windowMillis,
                into: &analysis)
        }
        analysis.events.sort { ($0.startMillis, $0.typeName, $0.id) < ($1.startMillis, $1.typeName, $1.id) }
        return analysis
    }

    /// One finding in one window, before consecutive windows fold.
    private struct Finding {
        var windowStart: Int64
        var firstMillis: Int64
        var lastMillis: Int64
        var severity: Severity
        var ratio: Double
        var evidence: [(String, EvidenceValue)]
        var message: String
        /// Consecutive windows fold only when this is the same (the serving version for answers).
        var foldKey = ""
    }

    private func analyze(
        model: String, reference: DriftReference, windows: [(key: ProfileKey, profile: ModelProfile)],
        windowMillis: Int64, into analysis: inout Analysis
    ) {
        let ref = reference.profile
        var rows: [String: TableRow] = [:]
        var findings: [FindingKey: [Finding]] = [:]
        let referenceEvidence: [(String, EvidenceValue)] = [
            ("reference_start", .text(TimestampParser.formatRFC3339(millis: reference.startMillis))),
            ("reference_end", .text(TimestampParser.formatRFC3339(millis: reference.endMillis))),
            ("reference_records", .integer(Int64(ref.records))),
            ("reference_windows", .integer(Int64(reference.windows))),
            (
                "reference_hours_covered",
                .number(Self.rounded(Double(max(0, reference.endMillis - reference.startMillis)) / 3_600_000))
            ),
            ("reference_origin", .text(reference.origin)),
            ("window_hours", .number(Self.rounded(Double(windowMillis) / 3_600_000))),
        ]
        var featureNames = Set(ref.features.map(\.name)).union(windows.flatMap { $0.profile.features.map(\.name) })
        if ref.promptTokens.count > 0 || windows.contains(where: { $0.profile.promptTokens.count > 0 }) {
            featureNames.insert(Self.promptTokens)
        }
        for (key, current) in windows {
            let windowText = TimestampParser.formatRFC3339(millis: key.windowStartMillis)
            // A window with records over less than half its length (the input starts or ends
            // inside it) misses part of the daily cycle: its distribution drifts are `low` at most.
            let coverage = Double(max(0, current.lastMillis - current.firstMillis)) / Double(windowMillis)
            let partial = coverage < 0.5
            let windowEvidence: [(String, EvidenceValue)] = [
                ("window", .text(windowText)), ("window_coverage", .number(Self.rounded(coverage))),
            ]
            let partialNote =
                partial
                ? " The window has records over only \(Self.percent(coverage)) of its length, so a feature that follows the time of day can look moved: reported at low."
                : ""
            func record(_ subject: String, _ kind: String, _ type: EventType, _ comparison: Comparison?) {
                guard var comparison else { return }
                if partial, let severity = comparison.severity { comparison.severity = min(severity, .low) }
                var row = rows[subject] ?? TableRow(subject: subject, kind: kind)
                row.windowsCompared += 1
                if comparison.severity != nil { row.windowsDrifted += 1 }
                if row.worst.map({ comparison.ratio > $0.ratio }) ?? true { row.worst = comparison }
                rows[subject] = row
            }
            // Features.
            for name in featureNames.sorted() {
                let (thresholds, ignore) = configuration.thresholds(model: model, feature: name)
                guard !ignore else { continue }
                let refFeature = Self.feature(named: name, in: ref)
                let curFeature = Self.feature(named: name, in: current)
                let comparison = compare(refFeature, curFeature, name: name, thresholds: thresholds)
                record(name, refFeature.isNumeric ? "numeric" : "categorical", .driftFeature, comparison)
                if let comparison, let severity = comparison.severity {
                    let finding = Finding(
                        windowStart: key.windowStartMillis, firstMillis: current.firstMillis,
                        lastMillis: current.lastMillis, severity: partial ? min(severity, .low) : severity,
                        ratio: comparison.ratio,
                        evidence: Self.evidence(comparison) + referenceEvidence + windowEvidence,
                        message:
                            "\(model) feature \(name) moved away from its reference in the window from \(windowText) (\(Self.describe(comparison))): \(comparison.movedMost); check the upstream data source, and retrain or update the baseline if the change is real."
                            + partialNote
                    )
                    findings[FindingKey(type: .driftFeature, subtype: nil, feature: name), default: []].append(finding)
                }
                for finding in qualityFindings(
                    model: model, name: name, ref: ref, refFeature: refFeature, current: current,
                    curFeature: curFeature, windowStart: key.windowStartMillis, windowText: windowText,
                    referenceEvidence: referenceEvidence)
                {
                    findings[FindingKey(type: .qualityData, subtype: finding.0, feature: name), default: []].append(
                        finding.1)
                }
            }
            // Predictions: classes, numeric predictions and score, one event per window.
            var parts: [(String, Comparison)] = []
            let predictionThresholds = configuration.thresholds(model: model, feature: "prediction")
            if !predictionThresholds.ignore {
                let classes = compareCategories(
                    ref.predictions, current.predictions, name: "prediction",
                    thresholds: predictionThresholds.thresholds)
                record("prediction", "classes", .driftPrediction, classes)
                if let classes { parts.append(("prediction", classes)) }
                let numeric = compareNumbers(
                    ref.numericPredictions, current.numericPredictions, name: "prediction",
                    thresholds: predictionThresholds.thresholds)
                record("prediction (numeric)", "numeric", .driftPrediction, numeric)
                if let numeric { parts.append(("prediction", numeric)) }
            }
            let scoreThresholds = configuration.thresholds(model: model, feature: "score")
            if !scoreThresholds.ignore {
                let score = compareNumbers(
                    ref.score, current.score, name: "score", thresholds: scoreThresholds.thresholds)
                record("score", "numeric", .driftPrediction, score)
                if let score { parts.append(("score", score)) }
            }
            let completionThresholds = configuration.thresholds(model: model, feature: Self.completionTokens)
            if !completionThresholds.ignore {
                let completion = compareNumbers(
                    ref.completionTokens, current.completionTokens, name: Self.completionTokens,
                    thresholds: completionThresholds.thresholds)
                record(Self.completionTokens, "numeric", .driftPrediction, completion)
                if let completion { parts.append((Self.completionTokens, completion)) }
            }
            let drifted = parts.filter { $0.1.severity != nil }
            if let worst = drifted.max(by: { $0.1.ratio < $1.1.ratio }) {
                var evidence = Self.evidence(worst.1) + [("subject", .text(worst.0))]
                for (subject, part) in parts where subject != worst.0 || part.statistic != worst.1.statistic {
                    evidence.append(("\(subject)_\(Self.key(part.statistic))", .number(Self.rounded(part.value))))
                    evidence.append(("\(subject)_moved_most", .text(part.movedMost)))
                }
                evidence.append(
                    ("versions", .text(Self.versions(ref.versions) + " → " + Self.versions(current.versions))))
                evidence += referenceEvidence + windowEvidence
                let moved = drifted.map { $0.1.movedMost }.joined(separator: "; ")
                var finding = Finding(
                    windowStart: key.windowStartMillis, firstMillis: current.firstMillis,
                    lastMillis: current.lastMillis,
                    severity: partial ? .low : worst.1.severity ?? .low, ratio: worst.1.ratio, evidence: evidence,
                    message:
                        "\(model) answers moved away from the reference in the window from \(windowText) (\(worst.0): \(Self.describe(worst.1))): \(moved); versions \(Self.versions(ref.versions)) → \(Self.versions(current.versions)). Confirm the change was intended, or roll back."
                        + partialNote
                )
                // A new serving version starts a new event rather than extending the last one.
                finding.foldKey = current.versions.named.max { ($0.count, $1.name) < ($1.count, $0.name) }?.name ?? ""
                findings[FindingKey(type: .driftPrediction, subtype: nil, feature: nil), default: []].append(finding)
            }
            // Accuracy where labels exist.
            if let finding = accuracyFinding(
                model: model, ref: ref, current: current, windowStart: key.windowStartMillis, windowText: windowText,
                referenceEvidence: referenceEvidence)
            {
                findings[FindingKey(type: .qualityAccuracyDrop, subtype: nil, feature: nil), default: []].append(
                    finding)
            }
        }
        for (key, list) in findings {
            analysis.events += fold(list, windowMillis: windowMillis).map { group in
                let worst = group.max { $0.ratio < $1.ratio } ?? group[0]
                var evidence = worst.evidence
                evidence.append(("windows", .integer(Int64(group.count))))
                // Different from the reference in every window after it: the change is lasting, or
                // the reference itself was unusual. Say so rather than accept the reference silently.
                let everyWindow =
                    windows.count >= 3 && group.count == windows.count && group.allSatisfy { $0.severity >= .medium }
                evidence.append(("every_window", .flag(everyWindow)))
                var message =
                    group.count > 1
                    ? worst.message + " It lasted \(group.count) consecutive windows; this one was the worst."
                    : worst.message
                if everyWindow {
                    message +=
                        " Every window after the reference differs from it: if the reference period (\(reference.origin)) was itself unusual, compare against a typical period with `modelwatch baseline`."
                }
                return Event(
                    type: key.type, subtype: key.subtype, severity: group.map(\.severity).max() ?? worst.severity,
                    startMillis: group.map(\.firstMillis).min() ?? worst.firstMillis,
                    endMillis: group.map(\.lastMillis).max() ?? worst.lastMillis,
                    entity: EventEntity(model: model, feature: key.feature), evidence: evidence, message: message,
                    count: group.count > 1 ? group.count : nil)
            }
        }
        let accuracy =
            ref.labelled > 0
            ? "reference accuracy \(Self.percent(Double(ref.correct) / Double(ref.labelled))) over \(ref.labelled) labels"
            : nil
        let order = featureNames.sorted() + ["prediction", "prediction (numeric)", "score", Self.completionTokens]
        analysis.tables.append(
            ModelTable(
                model: model, reference: reference, rows: order.compactMap { rows[$0] }, accuracy: accuracy))
    }

    /// An LLM's prompt length is one of its inputs (compared as a feature); its completion length
    /// is part of its answer (compared with the predictions).
    static let promptTokens = "prompt_tokens"
    static let completionTokens = "completion_tokens"

    /// A feature of the profile; `prompt_tokens` stands for the record's prompt length unless the
    /// model has a feature of that name.
    static func feature(named name: String, in profile: ModelProfile) -> FeatureProfile {
        if let feature = profile.feature(named: name) { return feature }
        var feature = FeatureProfile(name: name)
        if name == promptTokens { feature.numeric = profile.promptTokens }
        return feature
    }

    private struct FindingKey: Hashable {
        var type: EventType
        var subtype: String?
        var feature: String?
    }

    /// Splits findings into runs of consecutive windows; `low` findings and those at `medium` or
    /// above run separately, so that noise next to a real change does not stretch its window.
    private func fold(_ findings: [Finding], windowMillis: Int64) -> [[Finding]] {
        EventFolding.runs(
            findings.sorted(by: { $0.windowStart < $1.windowStart }), start: \.windowStart, maximumGap: windowMillis
        ) { last, finding in
            finding.foldKey == last.foldKey && (finding.severity >= .medium) == (last.severity >= .medium)
        }
    }

    // MARK: - Comparisons

    /// Compares one feature: as numbers when the reference's values are mostly numbers, else as
    /// categories (strings and booleans). Nil when either side has too few values to compare.
    public func compare(
        _ ref: FeatureProfile, _ cur: FeatureProfile, name: String, thresholds: DriftThresholds
    ) -> Comparison? {
        if ref.isNumeric { return compareNumbers(ref.numeric, cur.numeric, name: name, thresholds: thresholds) }
        return compareCategories(ref.categories, cur.categories, name: name, thresholds: thresholds)
    }

    static let minimumValues = 30

    public func compareNumbers(
        _ ref: NumericSummary, _ cur: NumericSummary, name: String, thresholds: DriftThresholds
    ) -> Comparison? {
        guard ref.count >= Self.minimumValues, cur.count >= Self.minimumValues else { return nil }
        let samples = AlignedSamples(reference: ref.sketch, current: cur.sketch)
        if samples.referenceDistinct <= 5 {
            // Evidently compares a numeric column with at most five distinct values as categories.
            let names = samples.values.map { Self.format($0) }
            return compareCounts(
                names: names, ref: samples.reference, cur: samples.current, name: name, thresholds: thresholds)
        }
        let shares = DistributionComparison.binnedShares(samples)
        let psi = DistributionComparison.populationStabilityIndex(reference: shares.reference, current: shares.current)
        let wasserstein = DistributionComparison.normalizedWasserstein(
            samples, referenceStandardDeviation: ref.standardDeviation)
        let moved = Self.quantileMove(name: name, ref: ref, cur: cur)
        if min(ref.count, cur.count) > thresholds.largeSample {
            let ratio = wasserstein / thresholds.numeric
            return Comparison(
                statistic: "wasserstein_normed", value: wasserstein, threshold: thresholds.numeric, pValue: nil,
                psi: psi, referenceCount: ref.count, currentCount: cur.count, movedMost: moved,
                severity: Self.severity(ratio: ratio), ratio: ratio)
        }
        let (statistic, pValue) = DistributionComparison.kolmogorovSmirnov(samples)
        let ratio = wasserstein / thresholds.numeric
        let severity: Severity? = pValue < thresholds.pValue ? max(.low, Self.severity(ratio: ratio) ?? .low) : nil
        return Comparison(
            statistic: "ks", value: statistic, threshold: thresholds.pValue, pValue: pValue, psi: psi,
            referenceCount: ref.count, currentCount: cur.count, movedMost: moved, severity: severity,
            ratio: pValue < thresholds.pValue ? max(ratio, 1) : ratio)
    }

    public func compareCategories(
        _ ref: CategoryCounts, _ cur: CategoryCounts, name: String, thresholds: DriftThresholds
    ) -> Comparison? {
        var names = ref.named.map(\.name)
        var seen = Set(names)
        for entry in cur.named where !seen.contains(entry.name) {
            names.append(entry.name)
            seen.insert(entry.name)
        }
        names.sort()
        return compareCounts(
            names: names, ref: names.map { Double(ref.count(of: $0)) }, cur: names.map { Double(cur.count(of: $0)) },
            name: name, thresholds: thresholds)
    }

    func compareCounts(
        names: [String], ref: [Double], cur: [Double], name: String, thresholds: DriftThresholds
    ) -> Comparison? {
        let refTotal = ref.reduce(0, +)
        let curTotal = cur.reduce(0, +)
        guard refTotal >= Double(Self.minimumValues), curTotal >= Double(Self.minimumValues) else { return nil }
        let refShares = ref.map { $0 / refTotal }
        let curShares = cur.map { $0 / curTotal }
        let psi = DistributionComparison.populationStabilityIndex(
            reference: DistributionComparison.fillZeroes(refShares),
            current: DistributionComparison.fillZeroes(curShares))
        let jensenShannon = DistributionComparison.jensenShannonDistance(reference: refShares, current: curShares)
        var moved = "\(name) unchanged"
        if let index = names.indices.max(by: { abs(curShares[$0] - refShares[$0]) < abs(curShares[$1] - refShares[$1]) }
        ) {
            moved = "\(name) \(names[index]): \(Self.percent(refShares[index])) → \(Self.percent(curShares[index]))"
        }
        let ratio = jensenShannon / thresholds.categorical
        if min(refTotal, curTotal) > Double(thresholds.largeSample) {
            return Comparison(
                statistic: "jensenshannon", value: jensenShannon, threshold: thresholds.categorical, pValue: nil,
                psi: psi, referenceCount: Int(refTotal), currentCount: Int(curTotal), movedMost: moved,
                severity: Self.severity(ratio: ratio), ratio: ratio)
        }
        let (statistic, pValue) = DistributionComparison.chiSquare(reference: ref, current: cur)
        let severity: Severity? = pValue < thresholds.pValue ? max(.low, Self.severity(ratio: ratio) ?? .low) : nil
        return Comparison(
            statistic: "chisquare", value: statistic, threshold: thresholds.pValue, pValue: pValue, psi: psi,
            referenceCount: Int(refTotal), currentCount: Int(curTotal), movedMost: moved, severity: severity,
            ratio: pValue < thresholds.pValue ? max(ratio, 1) : ratio)
    }

    /// `medium` from the threshold, `high` from twice it, `critical` from four times.
    static func severity(ratio: Double) -> Severity? {
        if ratio >= 4 { return .critical }
        if ratio >= 2 { return .high }
        if ratio >= 1 { return .medium }
        return nil
    }

    /// The quantile (p10 ... p90) that moved furthest, in reference standard deviations.
    static func quantileMove(name: String, ref: NumericSummary, cur: NumericSummary) -> String {
        var best: (q: Double, from: Double, to: Double)?
        for q in [0.1, 0.25, 0.5, 0.75, 0.9] {
            guard let from = ref.sketch.quantile(q), let to = cur.sketch.quantile(q) else { continue }
            if best.map({ abs(to - from) > abs($0.to - $0.from) }) ?? true { best = (q, from, to) }
        }
        guard let best else { return "\(name) unchanged" }
        return "\(name) p\(Int((best.q * 100).rounded())) \(format(best.from)) → \(format(best.to))"
            + " (mean \(format(ref.mean)) → \(format(cur.mean)))"
    }

    // MARK: - Data quality and accuracy

    /// Missing-rate jumps, categories the reference never had, values outside its range.
    private func qualityFindings(
        model: String, name: String, ref: ModelProfile, refFeature: FeatureProfile, current: ModelProfile,
        curFeature: FeatureProfile, windowStart: Int64, windowText: String, referenceEvidence: [(String, EvidenceValue)]
    ) -> [(String, Finding)] {
        var out: [(String, Finding)] = []
        func finding(_ severity: Severity, _ ratio: Double, _ evidence: [(String, EvidenceValue)], _ message: String)
            -> Finding
        {
            Finding(
                windowStart: windowStart, firstMillis: current.firstMillis, lastMillis: current.lastMillis,
                severity: severity, ratio: ratio,
                evidence: evidence + referenceEvidence + [("window", .text(windowText))],
                message: message)
        }
        // A feature the reference never had (a schema change upstream).
        if refFeature.present == 0, refFeature.nulls == 0, curFeature.present >= Self.minimumValues {
            let share = Double(curFeature.present) / Double(max(1, current.records))
            out.append(
                (
                    "unseen_feature",
                    finding(
                        .low, share,
                        [
                            ("statistic", .text("present_share")), ("value", .number(Self.rounded(share))),
                            ("n_ref", .integer(0)), ("n_cur", .integer(Int64(curFeature.present))),
                            ("moved_most", .text("\(name) absent → present in \(Self.percent(share))")),
                        ],
                        "\(model) sends a feature \(name) the reference never had, in \(Self.percent(share)) of records in the window from \(windowText): a schema change upstream; update the baseline once it is intended."
                    )
                ))
        }
        // Missing: absent or null.
        let refMissing = ref.records - refFeature.present
        let curMissing = current.records - curFeature.present
        if ref.records > 0, current.records > 0 {
            let refRate = Double(refMissing) / Double(ref.records)
            let curRate = Double(curMissing) / Double(current.records)
            let jump = curRate - refRate
            let test = DistributionComparison.twoProportionDrop(
                referenceSuccesses: ref.records - refMissing, referenceTotal: ref.records,
                currentSuccesses: current.records - curMissing, currentTotal: current.records)
            if jump >= 0.05, test.pValue < 0.001 {
                let severity: Severity = jump >= 0.5 ? .critical : jump >= 0.2 ? .high : .medium
                out.append(
                    (
                        "missing",
                        finding(
                            severity, jump / 0.05,
                            [
                                ("statistic", .text("missing_rate")), ("value", .number(Self.rounded(curRate))),
                                ("reference_value", .number(Self.rounded(refRate))), ("threshold", .number(0.05)),
                                ("p_value", .number(Self.rounded(test.pValue))),
                                ("n_ref", .integer(Int64(ref.records))), ("n_cur", .integer(Int64(current.records))),
                                (
                                    "moved_most",
                                    .text("\(name) missing: \(Self.percent(refRate)) → \(Self.percent(curRate))")
                                ),
                            ],
                            "\(model) feature \(name) is missing in \(Self.percent(curRate)) of records in the window from \(windowText), against \(Self.percent(refRate)) in the reference: check the client or feature pipeline that stopped sending it."
                        )
                    ))
            }
        }
        // Categories never seen in the reference (only knowable when the reference kept every value).
        if !refFeature.isNumeric, refFeature.categories.total > 0, refFeature.categories.otherCount == 0 {
            let unseen = curFeature.categories.named.filter {
                $0.name != CategoryCounts.otherName && refFeature.categories.count(of: $0.name) == 0
            }
            let count = unseen.reduce(0) { $0 + $1.count } + curFeature.categories.otherCount
            let total = curFeature.categories.total
            if total > 0 {
                let share = Double(count) / Double(total)
                let severity: Severity? =
                    count < 5
                    ? nil : share >= 0.1 ? .high : share >= 0.01 && count >= 10 ? .medium : share >= 0.001 ? .low : nil
                if let severity {
                    let top = unseen.sorted { ($0.count, $1.name) > ($1.count, $0.name) }.prefix(3)
                        .map { "\($0.name) (\(Self.percent(Double($0.count) / Double(total))))" }.joined(
                            separator: ", ")
                    out.append(
                        (
                            "unseen_category",
                            finding(
                                severity, share / 0.01,
                                [
                                    ("statistic", .text("unseen_share")), ("value", .number(Self.rounded(share))),
                                    ("threshold", .number(0.01)),
                                    ("n_ref", .integer(Int64(refFeature.categories.total))),
                                    ("n_cur", .integer(Int64(total))), ("unseen_values", .integer(Int64(unseen.count))),
                                    ("moved_most", .text("\(name) \(top)")),
                                ],
                                "\(model) feature \(name) has values the reference never had in \(Self.percent(share)) of records in the window from \(windowText): \(top); check whether a new client or an upstream change sends them."
                            )
                        ))
                }
            }
        }
        // Numbers outside the reference's range (to within one sketch bucket).
        if refFeature.isNumeric, refFeature.numeric.count >= Self.minimumValues, curFeature.numeric.count > 0 {
            let alpha = RelativeErrorSketch.relativeAccuracy
            let low = refFeature.numeric.minimum - alpha * abs(refFeature.numeric.minimum)
            let high = refFeature.numeric.maximum + alpha * abs(refFeature.numeric.maximum)
            var below = 0
            var above = 0
            for bucket in curFeature.numeric.sketch.buckets {
                if bucket.value < low { below += bucket.count }
                if bucket.value > high { above += bucket.count }
            }
            let count = below + above
            let share = Double(count) / Double(curFeature.numeric.count)
            let severity: Severity? =
                count < 5
                ? nil : share >= 0.1 ? .high : share >= 0.01 && count >= 10 ? .medium : share >= 0.001 ? .low : nil
            if let severity {
                let range = "[\(Self.format(refFeature.numeric.minimum)), \(Self.format(refFeature.numeric.maximum))]"
                let seen = "[\(Self.format(curFeature.numeric.minimum)), \(Self.format(curFeature.numeric.maximum))]"
                out.append(
                    (
                        "out_of_range",
                        finding(
                            severity, share / 0.01,
                            [
                                ("statistic", .text("out_of_range_share")), ("value", .number(Self.rounded(share))),
                                ("threshold", .number(0.01)), ("n_ref", .integer(Int64(refFeature.numeric.count))),
                                ("n_cur", .integer(Int64(curFeature.numeric.count))), ("below", .integer(Int64(below))),
                                ("above", .integer(Int64(above))), ("reference_range", .text(range)),
                                ("moved_most", .text("\(name) range \(range) → \(seen)")),
                            ],
                            "\(model) feature \(name) has \(Self.percent(share)) of values outside the reference range \(range) in the window from \(windowText) (seen \(seen)): check for a unit change, a sentinel value or a broken upstream computation."
                        )
                    ))
            }
        }
        return out
    }

    private func accuracyFinding(
        model: String, ref: ModelProfile, current: ModelProfile, windowStart: Int64, windowText: String,
        referenceEvidence: [(String, EvidenceValue)]
    ) -> Finding? {
        guard ref.labelled >= configuration.minimumLabels, current.labelled >= configuration.minimumLabels else {
            return nil
        }
        let refAccuracy = Double(ref.correct) / Double(ref.labelled)
        let curAccuracy = Double(current.correct) / Double(current.labelled)
        let drop = refAccuracy - curAccuracy
        let test = DistributionComparison.twoProportionDrop(
            referenceSuccesses: ref.correct, referenceTotal: ref.labelled, currentSuccesses: current.correct,
            currentTotal: current.labelled)
        let minimum = configuration.minimumAccuracyDrop
        guard drop >= minimum, test.pValue < configuration.accuracyPValue else { return nil }
        let severity: Severity = drop >= 4 * minimum ? .critical : drop >= 2 * minimum ? .high : .medium
        return Finding(
            windowStart: windowStart, firstMillis: current.firstMillis, lastMillis: current.lastMillis,
            severity: severity, ratio: drop / minimum,
            evidence: [
                ("statistic", .text("two_proportion_z")), ("value", .number(Self.rounded(test.z))),
                ("p_value", .number(Self.rounded(test.pValue))), ("threshold", .number(minimum)),
                ("accuracy_ref", .number(Self.rounded(refAccuracy))),
                ("accuracy_cur", .number(Self.rounded(curAccuracy))),
                ("drop", .number(Self.rounded(drop))), ("n_ref", .integer(Int64(ref.labelled))),
                ("n_cur", .integer(Int64(current.labelled))),
                ("moved_most", .text("accuracy \(Self.percent(refAccuracy)) → \(Self.percent(curAccuracy))")),
            ] + referenceEvidence + [("window", .text(windowText))],
            message:
                "\(model) was right in \(Self.percent(curAccuracy)) of \(current.labelled) labelled records in the window from \(windowText), against \(Self.percent(refAccuracy)) in the reference (one-sided p = \(Self.format(test.pValue))): investigate concept drift and consider retraining."
        )
    }

    // MARK: - Formatting

    static func evidence(_ comparison: Comparison) -> [(String, EvidenceValue)] {
        var out: [(String, EvidenceValue)] = [
            ("statistic", .text(comparison.statistic)), ("value", .number(rounded(comparison.value))),
            ("threshold", .number(comparison.threshold)),
        ]
        if let pValue = comparison.pValue { out.append(("p_value", .number(rounded(pValue)))) }
        out += [
            ("psi", .number(rounded(comparison.psi))), ("n_ref", .integer(Int64(comparison.referenceCount))),
            ("n_cur", .integer(Int64(comparison.currentCount))), ("moved_most", .text(comparison.movedMost)),
        ]
        return out
    }

    static func describe(_ comparison: Comparison) -> String {
        let counts = "n_ref \(comparison.referenceCount), n_cur \(comparison.currentCount)"
        if let pValue = comparison.pValue {
            return
                "\(comparison.statistic) \(format(comparison.value)), p = \(format(pValue)) < \(format(comparison.threshold)), \(counts)"
        }
        return "\(comparison.statistic) \(format(comparison.value)) ≥ \(format(comparison.threshold)), \(counts)"
    }

    static func key(_ statistic: String) -> String { statistic }

    static func versions(_ counts: CategoryCounts) -> String {
        let total = counts.total
        guard total > 0 else { return "(none)" }
        return counts.named.sorted { ($0.count, $1.name) > ($1.count, $0.name) }.prefix(3)
            .map { "\($0.name) \(percent(Double($0.count) / Double(total)))" }.joined(separator: ", ")
    }

    /// Six significant digits: evidence does not depend on the order partial sums merged in.
    static func rounded(_ value: Double) -> Double { EvidenceRounding.significantDigits(6).apply(value) }

    static func format(_ value: Double) -> String {
        guard value.isFinite else { return value > 0 ? "inf" : value < 0 ? "-inf" : "nan" }
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude < 0.001 || magnitude >= 1e7) {
            let exponent = Int(log10(magnitude).rounded(.down))
            var mantissa = value
            for _ in 0..<abs(exponent) { mantissa = exponent > 0 ? mantissa / 10 : mantissa * 10 }
            return EvidenceRounding.fixed(mantissa, 2) + "e" + String(exponent)
        }
        if magnitude >= 100 { return EvidenceRounding.fixed(value, 1) }
        if magnitude >= 1 { return EvidenceRounding.fixed(value, 2) }
        return EvidenceRounding.fixed(value, 3)
    }

    static func percent(_ share: Double) -> String { EvidenceRounding.fixed(share * 100, 1) + "%" }
}
