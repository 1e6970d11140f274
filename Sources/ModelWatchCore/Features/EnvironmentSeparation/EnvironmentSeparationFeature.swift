/// Non-production models or clients in production logs, from the window table and the
/// principal tables.
public enum EnvironmentSeparationFeature: AnalysisFeature {
    public static let eventTypes: Set<EventType> = [.opsEnvSeparation]

    public static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings {
        let markers =
            configuration.detectors.environmentMarkers.map(Set.init) ?? EnvironmentSeparationDetector.defaultMarkers
        return FeatureFindings(events: EnvironmentSeparationDetector(markers: markers).events(for: summary))
    }
}
