import Foundation
import Testing

@testable import ModelWatchCore

/// The feature contract: the checked event types come from the features' declarations, every
/// event type of the catalogue has exactly one feature, each feature's detectors raise only the
/// types it declares, and the library `Analysis` gives the built binary's events.
@Suite struct AnalysisFeatureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyEventTypeHasExactlyOneFeature() {
        for type in EventType.allCases {
            let owners = Analysis.features.filter { $0.eventTypes.contains(type) }
            #expect(owners.count == 1, "\(type.rawValue): \(owners)")
        }
    }

    @Test func checkedTypesFollowTheRunningFeatures() {
        var options = AnalysisOptions(threads: 1)
        let profiling = Analysis(configuration: AnalysisConfiguration(options: options))
        #expect(profiling.checkedTypes == Set(EventType.allCases))
        options.profileWindowMillis = nil
        let withoutProfiles = Analysis(configuration: AnalysisConfiguration(options: options))
        #expect(withoutProfiles.checkedTypes == Set(EventType.allCases).subtracting(DriftFeature.eventTypes))
        #expect(!withoutProfiles.runningFeatures.contains { $0 == DriftFeature.self })
    }

    /// Reads each feature folder's sources and checks that every `type: .x` an event is built
    /// with is among that folder's feature's declared `eventTypes` (a detector raising an
    /// undeclared type would be missing from the report's checked controls).
    @Test func featuresDeclareEveryTypeTheirDetectorsRaise() throws {
        let features = Self.root.appendingPathComponent("Sources/ModelWatchCore/Features")
        let byCase = Dictionary(uniqueKeysWithValues: EventType.allCases.map { ("\($0)", $0) })
        for feature in Analysis.features {
            let folderName = String(describing: feature).replacingOccurrences(of: "Feature", with: "")
            let folder = features.appendingPathComponent(folderName)
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
                $0.hasSuffix(".swift")
            }
            #expect(!files.isEmpty, "no folder Features/\(folderName) for \(feature)")
            var raised: Set<EventType> = []
            for file in files {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                for match in text.matches(of: /type: \.([a-zA-Z]+)/) {
                    if let type = byCase[String(match.1)] { raised.insert(type) }
                }
            }
            #expect(raised == feature.eventTypes, "\(feature) declares \(feature.eventTypes), raises \(raised)")
        }
    }

    /// The library's `Analysis` on samples/ gives exactly the events `modelwatch analyze` writes
    /// (one thread each, so even the abuse evidence, which moves with thread timing, matches).
    @Test func libraryAnalysisGivesTheBinarysEventsOnSamples() throws {
        let samples = Self.root.appendingPathComponent("samples").path
        let options = AnalysisOptions(threads: 1)
        let analysis = Analysis(configuration: AnalysisConfiguration(options: options))
        let library = analysis.evaluate(analysis.read(try InputDiscovery.expand([samples]))).events
            .map { EventJSON.line(for: $0) }
        let run = try CommandLineTests.run(["analyze", samples, "--events", "-", "--no-progress", "--threads", "1"])
        #expect(run.status == 0, "\(run.standardError)")
        let binary = run.standardOutput.split(separator: "\n").map(String.init)
        #expect(library.count > 10)
        #expect(library == binary)
    }
}
