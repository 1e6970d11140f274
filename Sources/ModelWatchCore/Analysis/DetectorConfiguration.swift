import Foundation

/// What the `--config` file tells the detectors: a JSON object whose members are all optional.
///
/// ```json
/// {
///   "approved_changes": [
///     {"model": "fraud-scorer", "version": "3.3.0",
///      "from": "2026-11-17T13:00:00Z", "to": "2026-11-17T16:00:00Z"}
///   ]
/// }
/// ```
/// Members: `approved_changes`, `administrators`, `admin_paths`, `environment_markers`, `drift`
/// (``DriftConfiguration``), and the thresholds of `abuse` (``AbuseSettings``), `capacity`,
/// `logging_gaps`, `partial_loss`, `clock_skew` and `probes` by snake_case name
/// (``ConfigurableSettings``).
/// Config files are small and read once, so Foundation's `JSONDecoder` is used here.
public struct DetectorConfiguration: Sendable, Equatable {
    /// A change a change-management record approved: `version` of `model` may appear between
    /// `fromMillis` and `toMillis` (either end open when absent).
    public struct ApprovedChange: Sendable, Equatable {
        public var model: String
        public var version: String
        public var fromMillis: Int64?
        public var toMillis: Int64?

        public init(model: String, version: String, fromMillis: Int64? = nil, toMillis: Int64? = nil) {
            self.model = model
            self.version = version
            self.fromMillis = fromMillis
            self.toMillis = toMillis
        }

        /// True when this approval covers `version` of `model` first seen at `millis`.
        public func covers(model: String, version: String, at millis: Int64) -> Bool {
            model == self.model && version == self.version && millis >= (fromMillis ?? .min)
                && millis <= (toMillis ?? .max)
        }
    }

    public var approvedChanges: [ApprovedChange] = []
    /// Principals (API keys or users) allowed to call administrative paths.
    public var administrators: Set<String> = []
    /// Administrative path prefixes added to the bundled list.
    public var adminPaths: [String] = []
    /// Words that mark a model or client name as non-production; nil keeps the defaults.
    public var environmentMarkers: [String]?
    /// Drift and data-quality windows, reference and thresholds (member `drift`).
    public var drift = DriftConfiguration()
    /// The abuse detectors' thresholds (member `abuse`).
    public var abuse = AbuseSettings()
    /// The operations detectors' thresholds, each its feature's one settings value (members
    /// `capacity`, `logging_gaps`, `partial_loss`, `clock_skew`, `probes`; see
    /// ``ConfigurableSettings``). `probes.administrators` comes from `administrators`.
    public var capacity = CapacityDetector()
    public var loggingGaps = LoggingGapDetector()
    public var partialLoss = PartialLossDetector()
    public var clockSkew = ClockSkewDetector()
    public var probes = AccessSignatureDetector()

    public init(approvedChanges: [ApprovedChange] = []) {
        self.approvedChanges = approvedChanges
    }

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    private struct FileFormat: Decodable {
        struct Change: Decodable {
            var model: String
            var version: String
            var from: String?
            var to: String?
        }
        var approvedChanges: [Change]?
        var administrators: [String]?
        var adminPaths: [String]?
        var environmentMarkers: [String]?
        var drift: DriftConfiguration.FileFormat?

        enum CodingKeys: String, CodingKey {
            case approvedChanges = "approved_changes"
            case administrators
            case adminPaths = "admin_paths"
            case environmentMarkers = "environment_markers"
            case drift
        }
    }

    /// Reads a configuration file (JSON, or YAML when named `.yaml`/`.yml`); errors name the
    /// file, line and column and what to fix.
    public static func load(path: String) throws(LoadError) -> DetectorConfiguration {
        let bytes: [UInt8]
        do {
            bytes = try StrictDocument.readFile(path)
        } catch {
            throw LoadError(description: "config file \(error.description)")
        }
        return try parse(Data(bytes), path: path)
    }

    /// Parses a configuration document strictly: ``schema`` first (unknown keys, types, an
    /// approval's window), then the values through `JSONDecoder` on the checked tree.
    static func parse(_ data: Data, path: String = "config.json") throws(LoadError) -> DetectorConfiguration {
        let root: DocumentNode
        do {
            root = try StrictDocument.parse([UInt8](data), file: path)
            try schema.check(root, file: path)
        } catch {
            throw LoadError(description: "config file \(error.description)")
        }
        let file: FileFormat
        do {
            file = try JSONDecoder().decode(FileFormat.self, from: Data(root.canonicalJSON().utf8))
        } catch {
            // The schema admits only what FileFormat decodes, so this is a bug, not a user error.
            throw LoadError(description: "config file \(path) could not be decoded after its check: \(error)")
        }
        var configuration = DetectorConfiguration()
        configuration.administrators = Set(file.administrators ?? [])
        configuration.adminPaths = file.adminPaths ?? []
        configuration.environmentMarkers = file.environmentMarkers
        configuration.drift = try DriftConfiguration.make(file.drift, path: path)
        configuration.abuse = try AbuseSettings.make(root["abuse"], name: "abuse", path: path)
        configuration.capacity = try CapacityDetector.make(root["capacity"], name: "capacity", path: path)
        configuration.loggingGaps = try LoggingGapDetector.make(root["logging_gaps"], name: "logging_gaps", path: path)
        configuration.partialLoss = try PartialLossDetector.make(root["partial_loss"], name: "partial_loss", path: path)
        configuration.clockSkew = try ClockSkewDetector.make(root["clock_skew"], name: "clock_skew", path: path)
        configuration.probes = try AccessSignatureDetector.make(root["probes"], name: "probes", path: path)
        let approvals: [DocumentNode]
        if case .array(let items) = root["approved_changes"]?.value { approvals = items } else { approvals = [] }
        for (index, change) in (file.approvedChanges ?? []).enumerated() {
            func time(_ text: String?, _ field: String) throws(LoadError) -> Int64? {
                guard let text else { return nil }
                guard let millis = Array(text.utf8).withUnsafeBytes({ TimestampParser.parseRFC3339($0) }) else {
                    let error = DocumentError(
                        file: path, position: approvals[index][field]?.position,
                        message:
                            "approved_changes[\(index)].\(field) '\(text)' is not an RFC 3339 time such as 2026-11-17T13:00:00Z"
                    )
                    throw LoadError(description: "config file \(error.description)")
                }
                return millis
            }
            configuration.approvedChanges.append(
                ApprovedChange(
                    model: change.model, version: change.version, fromMillis: try time(change.from, "from"),
                    toMillis: try time(change.to, "to")))
        }
        return configuration
    }
}
