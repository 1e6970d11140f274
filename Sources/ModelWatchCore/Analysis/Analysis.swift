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

    /// Every feature of the engine, in the order their events are gathered (the result is sorted
    /// anyway). The checked event types and the detectors that run derive from this list; a new
    /// feature is one more line here (see `AnalysisFeature`). Abuse is the slowest, so it is
    /// listed first and starts first.
    public static let features: [any AnalysisFeature.Type] = [
        AbuseFeature.self,
        AccountingFeature.self,
        DriftFeature.self,
        ChangeFeature.self,
        ProbesFeature.self,
        RequestJoinFeature.self,
        CapacityFeature.self,
        LoggingGapsFeature.self,
        EnvironmentSeparationFeature.self,
        PrincipalsFeature.self,
        GatewayViewsFeature.self,
    ]

    /// The features that run under this configuration.
    public var runningFeatures: [any AnalysisFeature.Type] {
        Self.features.filter { $0.runs(under: configuration) }
    }

    /// Runs every running feature's detectors over `summary`, on as many threads as the machine
    /// has (the features share nothing but the summary, which they only read), and sorts the
    /// events by start, type and id.
    public func evaluate(_ summary: AnalysisSummary) -> AnalysisResult {
        let features = runningFeatures
        let configuration = configuration
        let findings = Mutex([FeatureFindings?](repeating: nil, count: features.count))
        DispatchQueue.concurrentPerform(iterations: features.count) { index in
            let found = features[index].evaluate(summary, configuration: configuration)
            findings.withLock { $0[index] = found }
        }
        let all = findings.withLock { $0 }.compactMap { $0 }
        let events = all.flatMap(\.events).sorted {
            ($0.startMillis, $0.typeName, $0.id) < ($1.startMillis, $1.typeName, $1.id)
        }
        return AnalysisResult(events: events, drift: all.lazy.compactMap(\.drift).first, checkedTypes: checkedTypes)
    }

    /// The event types the features of this configuration check: the union of the running
    /// features' `eventTypes`.
    public var checkedTypes: Set<EventType> {
        runningFeatures.reduce(into: Set<EventType>()) { $0.formUnion($1.eventTypes) }
    }
}
