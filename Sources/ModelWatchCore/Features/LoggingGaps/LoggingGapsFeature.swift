/// Logging gaps: a host or log series that falls silent, and a host that keeps writing but loses
/// part of its records (`ActivityRecorder`'s timeline, joined with the gateway by request id).
public enum LoggingGapsFeature: AnalysisFeature {
    public static let eventTypes: Set<EventType> = [.opsLoggingGap]

    public static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings {
        let silences = configuration.detectors.loggingGaps.events(for: summary)
        return FeatureFindings(
            events: silences + configuration.detectors.partialLoss.events(for: summary, silences: silences))
    }
}
