/// Clock skew between the inference and access logs, from the request ids both name
/// (`RequestTimeRecorder`).
public enum RequestJoinFeature: AnalysisFeature {
    public static let eventTypes: Set<EventType> = [.opsClockSkew]

    public static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings {
        FeatureFindings(events: configuration.detectors.clockSkew.events(for: summary))
    }
}
