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

    /// The seasonal norm's `seasonalDays` same-hour windows of earlier days (a week), plus the
    /// day before them that `round_the_clock` counts active hours in. Beyond it, only the own
    /// norm's 95th percentile over every earlier window reads further back: after eviction it is
    /// taken over the look-back's windows (a lasting change of a client's volume is in them).
    public static func lookBackMillis(under configuration: AnalysisConfiguration) -> Int64? {
        Int64(configuration.detectors.abuse.seasonalDays + 1) * AbuseDetector.day
    }

    /// Drops client, model and address windows that start before `millis`.
    public static func evict(_ summary: inout AnalysisSummary, before millis: Int64) {
        summary.abuse.forget(before: millis)
    }
}
