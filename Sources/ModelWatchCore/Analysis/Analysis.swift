import Foundation
import Synchronization

/// Everything one analysis needs besides its input: how to read (`options`), what the detectors
/// allow (`detectors`, from `--config`), and where drift's reference comes from (`baseline`, or
/// nil for each model's first hours in the input).
public struct AnalysisConfiguration: Sendable {
    public var options: AnalysisOptions
    public var detectors: DetectorConfiguration
    /// Drift references per model from `modelwatch baseline`; nil: the first hours of the input.
    public var baseline: [String: DriftReference]?

    public init(
        options: AnalysisOptions, detectors: DetectorConfiguration = DetectorConfiguration(),
        baseline: [String: DriftReference]? = nil
    ) {
        self.options = options
        self.detectors = detectors
        self.baseline = baseline
        self.options.signatures = RequestSignatures.bundled(extraAdminPaths: detectors.adminPaths)
    }

    /// Whether per-model drift profiles are kept (and so drift and quality are checked).
    public var profiling: Bool { options.profileWindowMillis != nil }
}

/// What evaluating a summary gives: the events, sorted (start, type, id), the drift tables the
/// terminal summary prints, and the event types this analysis checked (derived from the
/// detectors that ran, never listed by hand).
public struct AnalysisResult: Sendable {
    public var events: [Event]
    public var drift: DriftDetector.Analysis?
    public var checkedTypes: Set<EventType>
}

/// The one analysis that `analyze`, `baseline`, `live`, `report` and `merge` share: read inputs
/// into a mergeable `AnalysisSummary`, then evaluate a summary (one run's, or several merged)
/// into events. The same summary gives the same events, whichever mode built it.
public struct Analysis: Sendable {
    public let configuration: AnalysisConfiguration

    public init(configuration: AnalysisConfiguration) {
        self.configuration = configuration
    }

    /// The Dispatch workers that read `sources`; `progress` can be polled while `run` works.
    public func makeReader() -> BatchAnalyzer {
        BatchAnalyzer(options: configuration.options)
    }

    /// Reads every source in one parallel pass into a summary.
    public func read(_ sources: [InputSource]) -> AnalysisSummary {
        makeReader().run(sources)
    }

    /// Runs every detector over `summary`. The abuse detector is the slowest; it runs beside
    /// the others, which share nothing with it.
    public func evaluate(_ summary: AnalysisSummary) -> AnalysisResult {
        let settings = configuration.detectors
        let baseline = configuration.baseline
        let profiling = configuration.profiling
        let (abuseEvents, (drift, otherEvents)) = Self.inParallel(
            { AbuseDetector().events(for: summary) },
            {
                let drift =
                    profiling
                    ? DriftDetector(configuration: settings.drift, baseline: baseline).analyze(summary.profiles)
                    : nil
                let events =
                    IntegrityDetector().events(for: summary) + (drift?.events ?? [])
                    + ChangeDetector(configuration: settings).events(for: summary)
                    + AccessSignatureDetector(administrators: settings.administrators).events(for: summary)
                    + ClockSkewDetector().events(for: summary)
                    + CapacityDetector().events(for: summary)
                    + LoggingGapDetector().events(for: summary)
                    + EnvironmentSeparationDetector(
                        markers: settings.environmentMarkers.map(Set.init)
                            ?? EnvironmentSeparationDetector.defaultMarkers
                    ).events(for: summary)
                return (drift, events)
            })
        let events = (otherEvents + abuseEvents).sorted {
            ($0.startMillis, $0.typeName, $0.id) < ($1.startMillis, $1.typeName, $1.id)
        }
        return AnalysisResult(events: events, drift: drift, checkedTypes: checkedTypes)
    }

    /// The event types the detectors of this configuration check.
    public var checkedTypes: Set<EventType> {
        var types: Set<EventType> = [
            .opsLoggingIntegrity, .opsChange, .opsVulnProbe, .opsAdminAction, .opsEnvSeparation, .opsClockSkew,
            .opsCapacity, .opsLoggingGap,
            .abuseExtraction, .abuseRate, .abuseCredentialStuffing, .abuseKeySharing,
        ]
        if configuration.profiling {
            types.formUnion([.driftFeature, .driftPrediction, .qualityAccuracyDrop, .qualityData])
        }
        return types
    }

    /// Runs two independent computations at once and returns both results.
    static func inParallel<First: Sendable, Second: Sendable>(
        _ first: @Sendable () -> First, _ second: @Sendable () -> Second
    ) -> (First, Second) {
        let firstResult = Mutex<First?>(nil)
        let secondResult = Mutex<Second?>(nil)
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            if index == 0 {
                let value = first()
                firstResult.withLock { $0 = value }
            } else {
                let value = second()
                secondResult.withLock { $0 = value }
            }
        }
        return (firstResult.withLock { $0! }, secondResult.withLock { $0! })
    }
}
