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
    /// The abuse detectors' thresholds (the defaults; not read from the file yet).
    public var abuse = AbuseSettings()

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

    /// Reads a configuration file; errors name the file and what to fix.
    public static func load(path: String) throws(LoadError) -> DetectorConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "cannot read config file \(path)")
        }
        return try parse(data, path: path)
    }

    static func parse(_ data: Data, path: String = "config") throws(LoadError) -> DetectorConfiguration {
        let file: FileFormat
        do {
            file = try JSONDecoder().decode(FileFormat.self, from: data)
        } catch {
            throw LoadError(description: "config file \(path) is not valid: \(error)")
        }
        var configuration = DetectorConfiguration()
        configuration.administrators = Set(file.administrators ?? [])
        configuration.adminPaths = file.adminPaths ?? []
        configuration.environmentMarkers = file.environmentMarkers
        configuration.drift = try DriftConfiguration.make(file.drift, path: path)
        for (index, change) in (file.approvedChanges ?? []).enumerated() {
            func time(_ text: String?, _ field: String) throws(LoadError) -> Int64? {
                guard let text else { return nil }
                guard let millis = Array(text.utf8).withUnsafeBytes({ TimestampParser.parseRFC3339($0) }) else {
                    throw LoadError(
                        description:
                            "config file \(path): approved_changes[\(index)].\(field) '\(text)' is not an RFC 3339 time such as 2026-11-17T13:00:00Z"
                    )
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
