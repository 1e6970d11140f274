import Foundation
import Testing

@testable import ModelWatchCore

/// The threshold sections of `--config` (issue 9: no threshold had a config entry): every numeric
/// setting of `AbuseSettings` and of each operations detector is a key, values reach the
/// detector, and bad values are errors with file, line and column.
@Suite struct SettingsSectionTests {
    /// Sets each key of `section` alone to a value no default has and checks that exactly its
    /// property changed in what `read` takes from the parsed configuration.
    func checkEveryKey<Settings: ConfigurableSettings>(
        _ type: Settings.Type, section: String, minimumKeys: Int, read: (DetectorConfiguration) -> Settings
    ) throws {
        let keys = Settings.fileKeys
        #expect(keys.count >= minimumKeys, "\(section): \(keys.count) keys")
        let defaults = Mirror(reflecting: Settings())
        for key in keys {
            let original = defaults.children.first { $0.label == key.property }!.value
            let negative = (SettingKind.number(original) ?? 0) < 0
            let isShare = key.file.hasSuffix("_share") || key.file.hasSuffix("_fraction")
            // Whole, so it suits integer keys; a share below 1; the sign of the default.
            let value = isShare ? "0.125" : negative ? "-7777" : "7777"
            let configuration = try DetectorConfiguration.parse(
                Data(#"{"\#(section)": {"\#(key.file)": \#(value)}}"#.utf8), path: "c.json")
            let changed = Mirror(reflecting: read(configuration)).children.filter { child in
                let before = defaults.children.first { $0.label == child.label }!.value
                return "\(before)" != "\(child.value)"
            }
            #expect(changed.map(\.label) == [key.property], "\(section).\(key.file)")
        }
    }

    @Test func everyThresholdHasAKeyThatSetsExactlyIt() throws {
        #expect(AbuseSettings.fileKeys.contains { $0.file == "rate_ratio" && !$0.isInteger })
        #expect(AbuseSettings.fileKeys.contains { $0.file == "llm_minimum_calls" && $0.isInteger })
        try checkEveryKey(AbuseSettings.self, section: "abuse", minimumKeys: 50) { $0.abuse }
        try checkEveryKey(CapacityDetector.self, section: "capacity", minimumKeys: 9) { $0.capacity }
        try checkEveryKey(LoggingGapDetector.self, section: "logging_gaps", minimumKeys: 4) { $0.loggingGaps }
        try checkEveryKey(PartialLossDetector.self, section: "partial_loss", minimumKeys: 8) { $0.partialLoss }
        try checkEveryKey(ClockSkewDetector.self, section: "clock_skew", minimumKeys: 2) { $0.clockSkew }
        try checkEveryKey(AccessSignatureDetector.self, section: "probes", minimumKeys: 2) { $0.probes }
        #expect(!AccessSignatureDetector.fileKeys.contains { $0.file == "administrators" })
    }

    @Test func anEmptyOrAbsentMemberKeepsTheDefaults() throws {
        #expect(try DetectorConfiguration.parse(Data("{}".utf8)).abuse == AbuseSettings())
        #expect(try DetectorConfiguration.parse(Data(#"{"abuse": {}}"#.utf8)).abuse == AbuseSettings())
    }

    @Test func badValuesAreErrorsWithTheirPosition() {
        func message(_ text: String) -> String? {
            do {
                _ = try DetectorConfiguration.parse(Data(text.utf8), path: "c.yaml")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(
            message("abuse:\n  rate_ratio: -2\n")
                == "config file c.yaml:2:15: abuse.rate_ratio must be at least 0, not -2.0")
        #expect(message("abuse:\n  logprob_share: 1.5\n")?.contains("must be a share from 0 to 1") == true)
        #expect(message("abuse:\n  llm_minimum_calls: 2.5\n")?.contains("c.yaml:2:22") == true)
        #expect(message("abuse:\n  rate_ration: 3\n")?.contains("did you mean 'rate_ratio'?") == true)
        #expect(message("partial_loss:\n  volume_log_bound: 4\n")?.contains("must be at most 0") == true)
        #expect(message("capacity:\n  minimum_failure_share: 2\n")?.contains("from 0 to 1") == true)
    }

    @Test func aConfiguredThresholdChangesTheVerdict() throws {
        // 900 calls in an hour against a norm near 22 (about 40 x) is a rate event at the
        // default 8 x and not at 60 x (the windows of `AbuseDetectorTests`' rate case).
        var cells: [Int64: ClientWindow] = [:]
        for index in 0..<72 {
            let start = AbuseDetectorTests.start + Int64(index) * AbuseDetectorTests.hour
            cells[start] = AbuseDetectorTests.cell(start, calls: index == 60 ? 900 : 20 + index % 5)
        }
        let summary = AbuseDetectorTests.summary(AbuseDetectorTests.population("k-burn", cells))
        let lenient = try DetectorConfiguration.parse(Data(#"{"abuse": {"rate_ratio": 60}}"#.utf8)).abuse
        #expect(lenient.rateRatio == 60)
        #expect(AbuseDetector().events(for: summary).contains { $0.type == .abuseRate })
        #expect(!AbuseDetector(settings: lenient).events(for: summary).contains { $0.type == .abuseRate })
    }

    @Test func operationsSectionsReachTheirDetectors() throws {
        let text = #"{"clock_skew": {"tolerance_millis": 90000}, "probes": {"probe_threshold": 50}}"#
        let detectors = try DetectorConfiguration.parse(Data(text.utf8))
        let configuration = AnalysisConfiguration(options: AnalysisOptions(threads: 1), detectors: detectors)
        #expect(configuration.detectors.clockSkew.toleranceMillis == 90_000)
        #expect(configuration.detectors.probes.probeThreshold == 50)
        #expect(configuration.detectors.capacity.latencyRatio == CapacityDetector().latencyRatio)
    }
}
