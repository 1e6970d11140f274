import Foundation

/// A feature's thresholds as one value that the `--config` file can set member by member: a
/// struct whose stored numeric properties all have defaults (``AbuseSettings``, each operations
/// detector). Its section in the file names any of them by the snake_case form of the property
/// (`rate_ratio` for `rateRatio`); the others keep their defaults.
///
/// ```yaml
/// abuse:
///   rate_ratio: 12          # a fleet whose clients burst past 8 x their norm by design
/// capacity:
///   latency_ratio: 3
/// ```
/// The accepted keys and their types are read from the type itself (its stored properties, by
/// reflection, once), so a threshold added to a settings type is configurable without a second
/// list to keep in step. Integers must be whole numbers; a value keeps the sign of its default
/// (none of them means anything with the other sign); a `..._share` or `..._fraction` lies from
/// 0 to 1. Read once per run: reflection and `JSONDecoder` cost nothing that matters here.
public protocol ConfigurableSettings: Codable, Sendable {
    init()
}

extension ConfigurableSettings {
    /// Every numeric setting: its key in the file, its property, and whether it is whole.
    static var fileKeys: [(file: String, property: String, isInteger: Bool)] {
        Mirror(reflecting: Self()).children.compactMap { child in
            guard let label = child.label, let kind = SettingKind(child.value) else { return nil }
            return (snakeCase(label), label, kind != .decimal)
        }
    }

    /// The schema of this type's section, for ``DetectorConfiguration/schema``.
    static var documentSchema: DocumentSchema {
        .object(Dictionary(uniqueKeysWithValues: fileKeys.map { ($0.file, $0.isInteger ? .integer : .number) }))
    }

    /// The defaults with the values `section` (already checked against ``documentSchema``)
    /// sets; a value out of its range is an error naming where it was written.
    static func make(_ section: DocumentNode?, name: String, path: String) throws(DetectorConfiguration.LoadError)
        -> Self
    {
        guard let section, case .object(let written) = section.value, !written.isEmpty else { return Self() }
        let byFileName = Dictionary(uniqueKeysWithValues: fileKeys.map { ($0.file, $0.property) })
        let defaults = Dictionary(
            uniqueKeysWithValues: Mirror(reflecting: Self()).children.compactMap { child in
                child.label.flatMap { label in SettingKind.number(child.value).map { (label, $0) } }
            })
        var values: [String: Double] = [:]
        for entry in written {
            guard case .number(let number) = entry.value.value, let property = byFileName[entry.key] else { continue }
            let isShare = entry.key.hasSuffix("_share") || entry.key.hasSuffix("_fraction")
            let negative = (defaults[property] ?? 0) < 0
            let bound: String? =
                if isShare && !(0...1).contains(number) {
                    "a share from 0 to 1"
                } else if negative && number > 0 {
                    "at most 0"
                } else if !negative && number < 0 {
                    "at least 0"
                } else {
                    nil
                }
            if let bound {
                let error = DocumentError(
                    file: path, position: entry.value.position,
                    message: "\(name).\(entry.key) must be \(bound), not \(number)")
                throw DetectorConfiguration.LoadError(description: "config file \(error.description)")
            }
            values[property] = number
        }
        // The defaults as a document, the written values laid over them, decoded as a whole.
        guard let encoded = try? JSONEncoder().encode(Self()),
            let tree = try? StrictJSONReader.read([UInt8](encoded), file: "defaults"),
            case .object(var members) = tree.value
        else {
            preconditionFailure("default settings always encode to an object")
        }
        for index in members.indices {
            if let number = values[members[index].key] { members[index].value.value = .number(number) }
        }
        let merged = DocumentNode(.object(members), at: tree.position).canonicalJSON()
        do {
            return try JSONDecoder().decode(Self.self, from: Data(merged.utf8))
        } catch {
            // The schema admits only whole numbers for whole settings, so this is a bug.
            throw DetectorConfiguration.LoadError(description: "config file \(path): \(name) did not decode: \(error)")
        }
    }

    /// `historyVariantShare` → `history_variant_share`.
    static func snakeCase(_ name: String) -> String {
        var out = ""
        for character in name {
            if character.isUppercase {
                out += "_" + character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}

/// The kinds of stored property a settings section can set.
enum SettingKind: Equatable {
    case integer, integer64, decimal

    init?(_ value: Any) {
        switch value {
        case is Int: self = .integer
        case is Int64: self = .integer64
        case is Double: self = .decimal
        default: return nil
        }
    }

    /// A numeric setting's value, for range checks.
    static func number(_ value: Any) -> Double? {
        switch value {
        case let value as Int: Double(value)
        case let value as Int64: Double(value)
        case let value as Double: value
        default: nil
        }
    }
}
