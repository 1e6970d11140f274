/// Accounting and log integrity: every line parsed, rejected with a reason, or reported lost;
/// damaged archives, time running backwards, duplicates and records from the future. Its
/// recording is the worker's own accounting (`ChunkAggregator` counts every line per source).
public enum AccountingFeature: AnalysisFeature {
    public static let eventTypes: Set<EventType> = [.opsLoggingIntegrity]

    public static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings {
        FeatureFindings(events: IntegrityDetector().events(for: summary))
    }
}
