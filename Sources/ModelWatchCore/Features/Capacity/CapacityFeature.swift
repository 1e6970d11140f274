/// Capacity: latency, errors and throttling per model against its own history
/// (`CapacityRecorder`).
public enum CapacityFeature: AnalysisFeature {
    public static let eventTypes: Set<EventType> = [.opsCapacity]

    public static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings {
        FeatureFindings(events: configuration.detectors.capacity.events(for: summary))
    }
}
