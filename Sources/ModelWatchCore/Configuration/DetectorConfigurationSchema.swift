extension DetectorConfiguration {
    /// Every key the `--config` file may hold, and its type; ``DetectorConfiguration/parse(_:path:)``
    /// checks a file against it before decoding, so a misspelt key is an error with a
    /// suggestion rather than a setting silently ignored. An approval must name its window
    /// (`from` and `to`): one without it would approve the version for all time.
    /// Keep in step with `DetectorConfiguration.FileFormat` and `DriftConfiguration.FileFormat`;
    /// the threshold sections follow their ``ConfigurableSettings`` types by themselves.
    static let schema = DocumentSchema.object([
        "abuse": AbuseSettings.documentSchema,
        "capacity": CapacityDetector.documentSchema,
        "logging_gaps": LoggingGapDetector.documentSchema,
        "partial_loss": PartialLossDetector.documentSchema,
        "clock_skew": ClockSkewDetector.documentSchema,
        "probes": AccessSignatureDetector.documentSchema,
        "approved_changes": .array(
            .object(
                ["model": .string, "version": .string, "from": .string, "to": .string],
                required: ["model", "version", "from", "to"])),
        "administrators": .array(.string),
        "admin_paths": .array(.string),
        "environment_markers": .array(.string),
        "drift": .object([
            "window_hours": .integer, "reference_hours": .integer,
            "numeric_threshold": .number, "categorical_threshold": .number, "p_value": .number,
            "min_accuracy_drop": .number, "min_labels": .integer, "min_records": .integer,
            "models": .dictionary(
                .object([
                    "numeric_threshold": .number, "categorical_threshold": .number, "p_value": .number,
                    "features": .dictionary(.object(["threshold": .number, "p_value": .number, "ignore": .bool])),
                ])),
        ]),
    ])
}
