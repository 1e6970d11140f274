/// Abuse of the API: extraction, rate abuse, credential stuffing and key sharing, from the
/// per-client and per-address windows `ClientActivityRecorder` keeps. The slowest detector, so
/// `Analysis.features` lists it first and it starts first.
public enum AbuseFeature: AnalysisFeature {
    public static let eventTypes: Set<EventType> = [
        .abuseExtraction, .abuseRate, .abuseCredentialStuffing, .abuseKeySharing,
    ]

    public static func evaluate(_ summary: AnalysisSummary, configuration: AnalysisConfiguration) -> FeatureFindings {
        FeatureFindings(events: AbuseDetector(settings: configuration.detectors.abuse).events(for: summary))
    }
}
