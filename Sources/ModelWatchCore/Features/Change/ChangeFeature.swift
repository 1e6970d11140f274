/// Unapproved model versions (change management), from the window table.
public enum ChangeFeature: AnalysisFeature {
    public static let eventTypes: Set<EventType> = [.opsChange]

    public static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings {
        FeatureFindings(events: ChangeDetector(configuration: configuration.detectors).events(for: summary))
    }
}
