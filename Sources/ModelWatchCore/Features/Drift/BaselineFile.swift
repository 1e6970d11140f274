import Foundation

/// The reference profile file `modelwatch baseline PATH... --output FILE` writes and
/// `analyze --baseline FILE` reads: versioned JSON.
///
/// ```json
/// {"format": "modelwatch-baseline", "version": 1, "window_hours": 24,
///  "relative_accuracy": 0.01,
///  "models": [{"model": "fraud-scorer", "origin": "first 24 h of the input",
///              "start": "2026-11-16T00:00:01.512Z", "end": "2026-11-16T23:59:59.020Z",
///              "windows": 1, "records": 8123, "profile": {...}}]}
/// ```
/// `profile` is a `ModelProfile`: `records`, `first_ms`, `last_ms`, `labelled`, `correct`;
/// `features` (each with `name`, `nulls`, `numeric` and `categories`), `predictions`,
/// `numeric_predictions`, `score`, `prompt_tokens`, `completion_tokens`, `latency`, `versions`.
/// A numeric summary holds `count`, `mean`, `squared_deviations`, `min`, `max` and `sketch`
/// (`zero` and, for `positive` and `negative` values, `offset` and dense `counts` of buckets
/// i = offset + position holding magnitudes in (γ^(i−1), γ^i], γ = 1.01/0.99); categories hold
/// `capacity`, `values` (name → count) and `other`. A reader refuses another `format` or a
/// `version` it does not know.
public struct BaselineFile: Codable, Sendable {
    public static let formatName = "modelwatch-baseline"
    public static let currentVersion = 1

    public var format = BaselineFile.formatName
    public var version = BaselineFile.currentVersion
    public var windowHours: Int
    public var relativeAccuracy = RelativeErrorSketch.relativeAccuracy
    public var models: [Model]

    public struct Model: Codable, Sendable {
        public var model: String
        public var origin: String
        public var start: String
        public var end: String
        public var windows: Int
        public var records: Int
        public var profile: ModelProfile
    }

    enum CodingKeys: String, CodingKey {
        case format, version, windowHours = "window_hours", relativeAccuracy = "relative_accuracy", models
    }

    public init(references: [String: DriftReference], windowHours: Int) {
        self.windowHours = windowHours
        models = references.values.sorted { $0.model < $1.model }.map { reference in
            Model(
                model: reference.model, origin: reference.origin,
                start: TimestampParser.formatRFC3339(millis: reference.startMillis),
                end: TimestampParser.formatRFC3339(millis: reference.endMillis), windows: reference.windows,
                records: reference.profile.records, profile: reference.profile)
        }
    }

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The file's bytes: sorted-key JSON.
    public func encoded() throws(LoadError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else {
            throw LoadError(description: "cannot encode the baseline (a value is not finite)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes the file through ``OutputFile`` (atomic for a regular file): a ``LoadError`` when
    /// it cannot be encoded, an ``OutputError`` when it cannot be written.
    public func write(to path: String) throws {
        try OutputFile.write(try encoded(), to: path, name: "baseline")
    }

    /// Reads a baseline file; errors name the file and what to do.
    public static func load(path: String) throws(LoadError) -> BaselineFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "cannot read baseline file \(path)")
        }
        return try decode([UInt8](data), path: path)
    }

    /// The baseline in `bytes` (the bytes of the file at `path`, which errors name), or why it
    /// is not one this version reads: another format, another version, damage, or another
    /// sketch accuracy.
    public static func decode(_ bytes: [UInt8], path: String) throws(LoadError) -> BaselineFile {
        let data = Data(bytes)
        struct Header: Decodable {
            var format: String?
            var version: Int?
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: data), header.format == formatName else {
            throw LoadError(
                description:
                    "\(path) is not a modelwatch baseline; write one with `modelwatch baseline PATH... --output FILE`")
        }
        guard header.version == currentVersion else {
            throw LoadError(
                description:
                    "baseline file \(path) has version \(header.version.map(String.init) ?? "none"); this modelwatch reads version \(currentVersion): rebuild it with `modelwatch baseline`"
            )
        }
        let file: BaselineFile
        do {
            file = try JSONDecoder().decode(BaselineFile.self, from: data)
        } catch {
            throw LoadError(description: "baseline file \(path) is damaged: \(error)")
        }
        // Bucket indices mean something only for the sketch accuracy they were written with.
        guard file.relativeAccuracy == RelativeErrorSketch.relativeAccuracy else {
            throw LoadError(
                description:
                    "baseline file \(path) was written with sketch accuracy \(file.relativeAccuracy), this modelwatch uses \(RelativeErrorSketch.relativeAccuracy): rebuild it with `modelwatch baseline`"
            )
        }
        return file
    }

    /// The references this file holds, by model.
    public func references(path: String) -> [String: DriftReference] {
        var out: [String: DriftReference] = [:]
        for model in models {
            out[model.model] = DriftReference(
                model: model.model, profile: model.profile, startMillis: model.profile.firstMillis,
                endMillis: model.profile.lastMillis, windows: model.windows, origin: "baseline \(path)")
        }
        return out
    }
}
