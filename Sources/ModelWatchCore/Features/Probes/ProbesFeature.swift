/// Vulnerability probes and administrative calls in the access logs, from what
/// `RequestSignatureRecorder` matched.
public enum ProbesFeature: AnalysisFeature {
    public static let eventTypes: Set<EventType> = [.opsVulnProbe, .opsAdminAction]

    public static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings {
        var detector = configuration.detectors.probes
        detector.administrators = configuration.detectors.administrators
        return FeatureFindings(events: detector.events(for: summary))
    }
}
