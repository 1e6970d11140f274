/// Vulnerability probes and administrative calls in the access logs, from what
/// `RequestSignatureRecorder` matched.
public enum ProbesFeature: AnalysisFeature {
    public static let eventTypes: Set<EventType> = [.opsVulnProbe, .opsAdminAction]

    public static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings {
        FeatureFindings(
            events: AccessSignatureDetector(administrators: configuration.detectors.administrators).events(for: summary)
        )
    }
}
