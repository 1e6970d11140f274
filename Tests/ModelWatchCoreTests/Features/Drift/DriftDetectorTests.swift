import Foundation
import Testing

@testable import ModelWatchCore

/// The drift detector end to end on generated inference logs: what it must report, what it must
/// not, and that the reference and the windows are what the documentation says.
@Suite struct DriftDetectorTests {
    /// What one day of the fixture looks like.
    struct Day {
        var records = 3000
        var amountMu = 3.6
        var newCountryShare = 0.0
        var missingCountryShare = 0.02
        /// Share of labels that disagree with the prediction.
        var labelErrors = 0.05
        var negativeAmountShare = 0.0
        /// Adds a feature `channel` the other days do not have.
        var newFeature = false
    }

    static let start: Int64 = 1_794_787_200_000  // 2026-11-16T00:00:00Z

    /// Inference lines for consecutive UTC days; `hour` follows the time of day.
    static func lines(_ days: [Day], seed: UInt64 = 11) -> String {
        var random = SplitMix(seed: seed)
        var out = ""
        let countries = ["US", "GB", "DE", "FR", "BR"]
        for (index, day) in days.enumerated() {
            let dayStart = start + Int64(index) * 86_400_000
            for i in 0..<day.records {
                let millis = dayStart + Int64(i) * 86_400_000 / Int64(day.records)
                let hour = Double(millis - dayStart) / 3_600_000
                var amount = exp(day.amountMu + 1.1 * random.normal())
                if random.uniform() < day.negativeAmountShare { amount = -5 }
                let countryRoll = random.uniform()
                let country: String
                if countryRoll < day.missingCountryShare {
                    country = "null"
                } else if countryRoll < day.missingCountryShare + day.newCountryShare {
                    country = "\"ZZ\""
                } else {
                    country = "\"\(countries[Int(random.uniform() * 5)])\""
                }
                let fraud = random.uniform() < 0.1
                let prediction = fraud ? "fraud" : "legit"
                let wrong = random.uniform() < day.labelErrors
                let label = wrong ? (fraud ? "legit" : "fraud") : prediction
                let score = 0.5 + 0.5 * random.uniform()
                out +=
                    "{\"ts\":\"\(TimestampParser.formatRFC3339(millis: millis))\",\"model\":\"m\",\"model_version\":\"1\",\"latency_ms\":\(10 + random.uniform()),\"status\":200,"
                    + "\"features\":{\"amount\":\(amount),\"country\":\(country),\"hour\":\(hour),\"flag\":\(random.uniform() < 0.3)"
                    + (day.newFeature ? ",\"channel\":\"web\"}," : "},")
                    + "\"prediction\":\"\(prediction)\",\"score\":\(score),\"label\":\"\(label)\"}\n"
            }
        }
        return out
    }

    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (Double((z ^ (z >> 31)) >> 11) + 0.5) / 9_007_199_254_740_992
        }
        mutating func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform()) }
    }

    static func summary(
        _ days: [Day], threads: Int = 2, windowHours: Int = 24, budget: Int = AnalysisOptions.defaultProfileBudget
    ) throws -> AnalysisSummary {
        let folder = try TestSupport.temporaryDirectory()
        try Data(lines(days).utf8).write(to: folder.appendingPathComponent("inference.jsonl"))
        return try TestSupport.analyze([folder.path], threads: threads) {
            $0.profileWindowMillis = Int64(windowHours) * 3_600_000
            $0.profileBudget = budget
        }
    }

    static func serious(_ events: [Event]) -> [Event] { events.filter { $0.severity >= .medium } }

    static func evidence(_ event: Event, _ name: String) -> EvidenceValue? {
        event.evidence.first { $0.0 == name }?.1
    }

    @Test func nothingMovedNothingReported() throws {
        let summary = try Self.summary([Day(), Day(), Day(records: 1400), Day(records: 7000)])
        let analysis = DriftDetector().analyze(summary.profiles)
        #expect(Self.serious(analysis.events).isEmpty, "\(analysis.events.map(\.message))")
        let table = try #require(analysis.tables.first)
        #expect(table.reference.windows == 1)
        #expect(table.reference.profile.records == 3000)
        #expect(table.rows.map(\.subject).contains("hour"))
        #expect(table.rows.allSatisfy { $0.windowsDrifted == 0 && $0.windowsCompared == 3 })
    }

    @Test func dailyWindowsKeepTheTimeOfDayFromDrifting() throws {
        // The same data in hourly windows: `hour` moves every hour against a whole-day reference.
        let summary = try Self.summary([Day(), Day()], windowHours: 1)
        let hourly = try #require(DriftDetector().analyze(summary.profiles).tables.first)
        let hour = try #require(hourly.rows.first { $0.subject == "hour" })
        let amount = try #require(hourly.rows.first { $0.subject == "amount" })
        #expect(hour.windowsCompared == 24)
        #expect(hour.windowsDrifted >= 20)
        #expect(amount.windowsDrifted <= 3)
        // In daily windows the same data is quiet (see `nothingMovedNothingReported`).
        let daily = try #require(DriftDetector().analyze(try Self.summary([Day(), Day()]).profiles).tables.first)
        #expect(daily.rows.first { $0.subject == "hour" }?.windowsDrifted == 0)
    }

    @Test func injectedChangesAreReportedWithTheirEvidence() throws {
        var drifted = Day()
        drifted.amountMu = 4.2
        drifted.newCountryShare = 0.15
        drifted.labelErrors = 0.2
        var missing = Day()
        missing.missingCountryShare = 0.3
        missing.negativeAmountShare = 0.03
        let summary = try Self.summary([Day(), Day(), drifted, missing])
        let events = Self.serious(DriftDetector().analyze(summary.profiles).events)
        let dayStart = { (day: Int64) in Self.start + day * 86_400_000 }
        func find(_ type: EventType, _ feature: String?, day: Int64, subtype: String? = nil) -> Event? {
            events.first {
                $0.type == type && $0.entity.feature == feature && $0.subtype == subtype
                    && $0.startMillis >= dayStart(day) && $0.startMillis < dayStart(day + 1)
            }
        }
        let amount = try #require(find(.driftFeature, "amount", day: 2))
        #expect(Self.evidence(amount, "statistic") == .text("wasserstein_normed"))
        #expect(Self.evidence(amount, "threshold") == .number(0.1))
        #expect(Self.evidence(amount, "n_ref") == .integer(3000))
        #expect(Self.evidence(amount, "n_cur") == .integer(3000))
        #expect(Self.evidence(amount, "reference_start") == .text("2026-11-16T00:00:00Z"))
        #expect(Self.evidence(amount, "reference_records") == .integer(3000))
        if case .text(let moved) = Self.evidence(amount, "moved_most") { #expect(moved.hasPrefix("amount p")) }
        let country = try #require(find(.driftFeature, "country", day: 2))
        #expect(Self.evidence(country, "statistic") == .text("jensenshannon"))
        if case .text(let moved) = Self.evidence(country, "moved_most") {
            #expect(moved.hasPrefix("country ZZ: 0.0% → 1"))
        }
        #expect(find(.qualityData, "country", day: 2, subtype: "unseen_category") != nil)
        let accuracy = try #require(find(.qualityAccuracyDrop, nil, day: 2))
        #expect(accuracy.severity == .high)  // about 15 points: more than twice the 5-point minimum
        #expect(find(.qualityData, "country", day: 3, subtype: "missing") != nil)
        #expect(find(.qualityData, "amount", day: 3, subtype: "out_of_range") != nil)
        // Nothing else at medium or above: day 1 is quiet, `hour` and `flag` never move.
        #expect(!events.contains { $0.startMillis < dayStart(2) })
        #expect(!events.contains { $0.entity.feature == "hour" || $0.entity.feature == "flag" })
        #expect(!events.contains { $0.type == .driftPrediction })
    }

    @Test func profileMemoryIsBoundedByLongerWindows() throws {
        let days = [Day](repeating: Day(records: 1500), count: 8)
        let roomy = try Self.summary(days, threads: 1)
        #expect(roomy.profiles.windowMillis == 86_400_000)
        #expect(roomy.profiles.profiles.count == 8)
        let perDay = roomy.profiles.footprint / 8
        // Room for about three days: windows double until the profiles fit.
        let tight = try Self.summary(days, threads: 1, budget: perDay * 3)
        #expect(tight.profiles.windowMillis >= 2 * 86_400_000)
        #expect(tight.profiles.footprint <= perDay * 4)
        #expect(tight.profiles.profiles.values.reduce(0) { $0 + $1.records } == 12_000)
        // Merged windows hold exactly what the days held.
        var amount = NumericSummary()
        for profile in roomy.profiles.profiles.values { amount.merge(profile.feature(named: "amount")!.numeric) }
        var coarse = NumericSummary()
        for profile in tight.profiles.profiles.values { coarse.merge(profile.feature(named: "amount")!.numeric) }
        #expect(coarse.sketch == amount.sketch)
        #expect(coarse.count == amount.count)
    }

    @Test func aLastingChangeOrAnUnusualReferenceIsNamed() throws {
        var shifted = Day()
        shifted.amountMu = 4.3
        var schema = shifted
        schema.newFeature = true
        let summary = try Self.summary([Day(), shifted, schema, shifted])
        let events = DriftDetector().analyze(summary.profiles).events
        let amount = try #require(events.first { $0.type == .driftFeature && $0.entity.feature == "amount" })
        #expect(amount.count == 3)
        #expect(Self.evidence(amount, "every_window") == .flag(true))
        #expect(amount.message.contains("Every window after the reference differs from it"))
        let table = try #require(DriftDetector().analyze(summary.profiles).tables.first)
        let rendered = SummaryReport().renderDrift(
            DriftDetector.Analysis(events: events, tables: [table], profileCount: 4, profileBytes: 1))
        #expect(rendered.contains("every window: lasting, or an unusual reference"))
        let unseen = try #require(events.first { $0.subtype == "unseen_feature" })
        #expect(unseen.entity.feature == "channel" && unseen.severity == .low)
    }

    @Test func aWindowTheInputEndsInsideIsLowAtMost() throws {
        // Two full days, then the first five hours of a third: `hour` looks moved there.
        let folder = try TestSupport.temporaryDirectory()
        let lines = Self.lines([Day(), Day(), Day()]).split(separator: "\n")
        try Data((lines[0..<6625].joined(separator: "\n") + "\n").utf8).write(
            to: folder.appendingPathComponent("inference.jsonl"))
        let summary = try TestSupport.analyze([folder.path], threads: 2)
        let events = DriftDetector().analyze(summary.profiles).events
        let hour = try #require(events.first { $0.type == .driftFeature && $0.entity.feature == "hour" })
        #expect(hour.severity == .low)
        if case .number(let coverage) = Self.evidence(hour, "window_coverage") { #expect(coverage < 0.25) }
        #expect(hour.message.contains("reported at low"))
        #expect(Self.serious(events).isEmpty)
    }

    @Test func aStrayEarlyRecordDoesNotBecomeTheReference() throws {
        let folder = try TestSupport.temporaryDirectory()
        var text = Self.lines([Day(), Day()])
        text += #"{"ts":"2026-10-01T12:00:00Z","model":"m","features":{"amount":1}}"# + "\n"
        try Data(text.utf8).write(to: folder.appendingPathComponent("inference.jsonl"))
        let summary = try TestSupport.analyze([folder.path], threads: 1)
        let table = try #require(DriftDetector().analyze(summary.profiles).tables.first)
        #expect(table.reference.startMillis == Self.start)
        #expect(table.reference.profile.records == 3000)
        #expect(table.rows.first { $0.subject == "amount" }?.windowsCompared == 1)
    }

    @Test func smallReferencesAreJudgedByPValues() throws {
        var drifted = Day(records: 400)
        drifted.amountMu = 4.6
        let summary = try Self.summary([Day(records: 400), drifted])
        let analysis = DriftDetector().analyze(summary.profiles)
        let row = try #require(analysis.tables.first?.rows.first { $0.subject == "amount" })
        #expect(row.worst?.statistic == "ks")
        #expect((row.worst?.pValue ?? 1) < 0.05)
        #expect(analysis.tables.first?.rows.first { $0.subject == "country" }?.worst?.statistic == "chisquare")
    }

    @Test func eventsDoNotDependOnTheThreadCount() throws {
        var drifted = Day()
        drifted.amountMu = 4.0
        let days = [Day(), drifted, Day()]
        let one = DriftDetector().analyze(try Self.summary(days, threads: 1).profiles).events
        let three = DriftDetector().analyze(try Self.summary(days, threads: 3).profiles).events
        #expect(!one.isEmpty)
        #expect(one == three)
    }

    @Test func configurationSetsThresholdsPerModelAndFeature() throws {
        var drifted = Day()
        drifted.amountMu = 4.2
        let summary = try Self.summary([Day(), drifted])
        let json = """
            {"drift": {"models": {"m": {"features": {"amount": {"threshold": 5}, "country": {"ignore": true}}}}}}
            """
        let configuration = try DetectorConfiguration.parse(Data(json.utf8)).drift
        let events = DriftDetector(configuration: configuration).analyze(summary.profiles).events
        #expect(!events.contains { $0.type == .driftFeature && $0.entity.feature == "amount" })
        #expect(!events.contains { $0.entity.feature == "country" })
        #expect(DriftDetector().analyze(summary.profiles).events.contains { $0.entity.feature == "amount" })
        #expect(throws: DetectorConfiguration.LoadError.self) {
            try DetectorConfiguration.parse(Data(#"{"drift": {"window_hours": 0}}"#.utf8))
        }
    }

    @Test func aBaselineFileStandsInForTheFirstDay() throws {
        var drifted = Day()
        drifted.amountMu = 4.2
        let all = try Self.summary([Day(), Day(), drifted])
        let expected = DriftDetector().analyze(all.profiles).events
        // Write the first day's reference, read it back, and analyse the other days with it.
        let folder = try TestSupport.temporaryDirectory()
        let path = folder.appendingPathComponent("baseline.json").path
        let firstDay = try Self.summary([Day()])
        try BaselineFile(references: DriftReference.firstHours(24, of: firstDay.profiles), windowHours: 24)
            .write(to: path)
        let loaded = try BaselineFile.load(path: path)
        let reference = try #require(loaded.references(path: path)["m"])
        #expect(reference.profile == firstDay.profiles.windows(of: "m")[0].profile)
        var rest = all
        rest.profiles.profiles = rest.profiles.profiles.filter { $0.key.windowStartMillis > Self.start }
        let withBaseline = DriftDetector(baseline: loaded.references(path: path)).analyze(rest.profiles).events
        #expect(withBaseline.map(\.entity) == expected.map(\.entity))
        #expect(withBaseline.map(\.severity) == expected.map(\.severity))
        #expect(withBaseline.map { Self.evidence($0, "value") } == expected.map { Self.evidence($0, "value") })
        #expect(withBaseline.allSatisfy { Self.evidence($0, "reference_origin") == .text("baseline \(path)") })
        // Another format or version is refused with a message that says what to do.
        try Data(#"{"format": "modelwatch-baseline", "version": 99, "models": []}"#.utf8).write(
            to: URL(fileURLWithPath: path))
        #expect(throws: BaselineFile.LoadError.self) { try BaselineFile.load(path: path) }
        var other = loaded
        other.relativeAccuracy = 0.02
        try other.write(to: path)
        #expect(throws: BaselineFile.LoadError.self) { try BaselineFile.load(path: path) }
    }
}
