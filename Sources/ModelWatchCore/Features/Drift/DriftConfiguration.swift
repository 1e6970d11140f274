import Foundation

/// The drift and data-quality settings of the `--config` file, member `drift`; every member is
/// optional and the defaults are Evidently's (evidently.ai, `get_default_stattest`).
///
/// ```json
/// {"drift": {"window_hours": 24, "reference_hours": 24,
///            "numeric_threshold": 0.1, "categorical_threshold": 0.1, "p_value": 0.05,
///            "min_accuracy_drop": 0.05, "min_labels": 200,
///            "models": {"fraud-scorer": {"numeric_threshold": 0.15,
///                                        "features": {"amount": {"threshold": 0.2},
///                                                     "session_id": {"ignore": true}}}}}}
/// ```
/// `features` may also name `prediction` and `score`, which `drift.prediction` reads.
public struct DriftConfiguration: Sendable, Equatable {
    /// Length of a drift window: a UTC calendar day by default, so that a feature following the
    /// time of day looks the same in every window.
    public var windowHours = 24
    /// Without `--baseline`, the reference is each model's first this-many hours, rounded out to
    /// whole drift windows.
    public var referenceHours = 24
    public var thresholds = DriftThresholds()
    public var models: [String: ModelSettings] = [:]
    /// Smallest drop in accuracy (a share: 0.05 is five points) that `quality.accuracy_drop` reports.
    public var minimumAccuracyDrop = 0.05
    /// Labels needed in the reference and in a window before accuracy is compared.
    public var minimumLabels = 200
    /// One-sided p-value the accuracy drop must pass as well.
    public var accuracyPValue = 0.01
    /// Records a window needs before it is compared at all.
    public var minimumRecords = 100

    public init() {}

    /// Thresholds of one model, and per feature.
    public struct ModelSettings: Sendable, Equatable {
        public var thresholds: DriftThresholds
        public var features: [String: FeatureSettings] = [:]
    }

    public struct FeatureSettings: Sendable, Equatable {
        /// Replaces the effect-size threshold of whichever statistic the feature's type selects.
        public var threshold: Double?
        public var pValue: Double?
        public var ignore = false
    }

    /// The thresholds that apply to `feature` of `model`.
    public func thresholds(model: String, feature: String) -> (thresholds: DriftThresholds, ignore: Bool) {
        var result = models[model]?.thresholds ?? thresholds
        guard let settings = models[model]?.features[feature] else { return (result, false) }
        if let threshold = settings.threshold {
            result.numeric = threshold
            result.categorical = threshold
        }
        if let pValue = settings.pValue { result.pValue = pValue }
        return (result, settings.ignore)
    }

    struct FileFormat: Decodable {
        var windowHours: Int?
        var referenceHours: Int?
        var numericThreshold: Double?
        var categoricalThreshold: Double?
        var pValue: Double?
        var minAccuracyDrop: Double?
        var minLabels: Int?
        var minRecords: Int?
        var models: [String: Model]?

        struct Model: Decodable {
            var numericThreshold: Double?
            var categoricalThreshold: Double?
            var pValue: Double?
            var features: [String: Feature]?
            enum CodingKeys: String, CodingKey {
                case numericThreshold = "numeric_threshold", categoricalThreshold = "categorical_threshold"
                case pValue = "p_value", features
            }
        }
        struct Feature: Decodable {
            var threshold: Double?
            var pValue: Double?
            var ignore: Bool?
            enum CodingKeys: String, CodingKey {
                case threshold, pValue = "p_value", ignore
            }
        }
        enum CodingKeys: String, CodingKey {
            case windowHours = "window_hours", referenceHours = "reference_hours"
            case numericThreshold = "numeric_threshold", categoricalThreshold = "categorical_threshold"
            case pValue = "p_value", minAccuracyDrop = "min_accuracy_drop", minLabels = "min_labels"
            case minRecords = "min_records", models
        }
    }

    /// Builds the settings from the file's `drift` member; errors say what to fix.
    static func make(_ file: FileFormat?, path: String) throws(DetectorConfiguration.LoadError) -> DriftConfiguration {
        var configuration = DriftConfiguration()
        guard let file else { return configuration }
        func fail(_ text: String) -> DetectorConfiguration.LoadError {
            DetectorConfiguration.LoadError(description: "config file \(path): drift.\(text)")
        }
        if let hours = file.windowHours {
            guard hours >= 1, hours <= 24 * 31 else { throw fail("window_hours must be between 1 and 744") }
            configuration.windowHours = hours
        }
        if let hours = file.referenceHours {
            guard hours >= 1 else { throw fail("reference_hours must be at least 1") }
            configuration.referenceHours = hours
        }
        var defaults = DriftThresholds()
        defaults.numeric = file.numericThreshold ?? defaults.numeric
        defaults.categorical = file.categoricalThreshold ?? defaults.categorical
        defaults.pValue = file.pValue ?? defaults.pValue
        guard defaults.isValid else { throw fail("thresholds must be positive and p_value below 1") }
        configuration.thresholds = defaults
        if let drop = file.minAccuracyDrop {
            guard drop > 0, drop < 1 else { throw fail("min_accuracy_drop is a share between 0 and 1, e.g. 0.05") }
            configuration.minimumAccuracyDrop = drop
        }
        if let labels = file.minLabels {
            guard labels >= 1 else { throw fail("min_labels must be at least 1") }
            configuration.minimumLabels = labels
        }
        if let records = file.minRecords {
            guard records >= 1 else { throw fail("min_records must be at least 1") }
            configuration.minimumRecords = records
        }
        for (model, settings) in file.models ?? [:] {
            var thresholds = defaults
            thresholds.numeric = settings.numericThreshold ?? thresholds.numeric
            thresholds.categorical = settings.categoricalThreshold ?? thresholds.categorical
            thresholds.pValue = settings.pValue ?? thresholds.pValue
            guard thresholds.isValid else { throw fail("models.\(model): thresholds must be positive") }
            var features: [String: FeatureSettings] = [:]
            for (name, feature) in settings.features ?? [:] {
                if let threshold = feature.threshold, !(threshold > 0) {
                    throw fail("models.\(model).features.\(name).threshold must be positive")
                }
                features[name] = FeatureSettings(
                    threshold: feature.threshold, pValue: feature.pValue, ignore: feature.ignore ?? false)
            }
            configuration.models[model] = ModelSettings(thresholds: thresholds, features: features)
        }
        return configuration
    }
}

/// When a distribution counts as moved (Evidently's defaults): with more than `largeSample`
/// reference values, by effect size (normalised Wasserstein for numbers, Jensen–Shannon distance
/// for categories, each against its threshold); with fewer, by a test's p-value (Kolmogorov–
/// Smirnov for numbers, chi-square for categories).
public struct DriftThresholds: Sendable, Equatable {
    public var numeric = 0.1
    public var categorical = 0.1
    public var pValue = 0.05
    public var largeSample = 1000

    public init() {}

    var isValid: Bool { numeric > 0 && categorical > 0 && pValue > 0 && pValue < 1 }
}
