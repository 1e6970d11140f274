/// Logging gaps: a host or log series that falls silent (`ActivityRecorder`).
public enum LoggingGapsFeature: AnalysisFeature {
    public static let eventTypes: Set<EventType> = [.opsLoggingGap]

    public static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings {
        FeatureFindings(events: LoggingGapDetector().events(for: summary))
    }
}
