import Foundation
import Testing

@testable import ModelWatchCore

/// The `abuse` member of `--config` (issue 9: the abuse thresholds had no config entries): every
/// threshold of `AbuseSettings` is a key, values reach the detector, and bad values are errors
/// with file, line and column.
@Suite struct AbuseSettingsFileTests {
    @Test func everyThresholdHasAKeyThatSetsExactlyIt() throws {
        let keys = AbuseSettings.fileKeys
        #expect(keys.count >= 50, "\(keys.count) keys")
        #expect(keys.contains { $0.file == "rate_ratio" && !$0.isInteger })
        #expect(keys.contains { $0.file == "llm_minimum_calls" && $0.isInteger })
        let defaults = AbuseSettings()
        for key in keys {
            // A value no default has, whole so it suits integer keys, and a share below 1.
            let value = key.file.hasSuffix("_share") ? 0.125 : 7777
            let configuration = try DetectorConfiguration.parse(
                Data(#"{"abuse": {"\#(key.file)": \#(value)}}"#.utf8), path: "c.json")
            let changed = Mirror(reflecting: configuration.abuse).children.filter { child in
                let original = Mirror(reflecting: defaults).children.first { $0.label == child.label }!.value
                return "\(original)" != "\(child.value)"
            }
            #expect(changed.map(\.label) == [key.property], "\(key.file)")
        }
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
}
