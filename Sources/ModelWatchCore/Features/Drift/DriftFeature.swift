/// Feature and prediction drift, accuracy drops and data quality, from the per-model profiles
/// `ProfileRecorder` keeps; runs only when profiling is on.
public enum DriftFeature: AnalysisFeature {
    public static let eventTypes: Set<EventType> = [
        .driftFeature, .driftPrediction, .qualityAccuracyDrop, .qualityData,
    ]

    public static func runs(under configuration: AnalysisConfiguration) -> Bool { configuration.profiling }

    public static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings {
        let drift = DriftDetector(configuration: configuration.detectors.drift, baseline: configuration.baseline)
            .analyze(summary.profiles)
        return FeatureFindings(events: drift.events, drift: drift)
    }
}
