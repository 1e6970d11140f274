/// The busiest clients and addresses per log family (`PrincipalRecorder`): a report section
/// only, it raises no event of its own (environment separation and abuse read its tables).
public enum PrincipalsFeature: AnalysisFeature {
    public static let eventTypes: Set<EventType> = []

    public static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings {
        FeatureFindings(events: [])
    }
}
