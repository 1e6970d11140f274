import Foundation

/// The `abuse` member of the `--config` file: any threshold of ``AbuseSettings`` by its
/// snake_case name (`rate_ratio`, `prada_threshold`, ...), the rest keeping their defaults.
///
/// ```yaml
/// abuse:
///   rate_ratio: 12        # a fleet whose clients burst more than 8 x their norm by design
///   logprob_share: 0.7
/// ```
/// The accepted keys and their types come from ``AbuseSettings`` itself (its stored properties,
/// read once by reflection), so a threshold added there is configurable without a second list
/// to keep in step; integers must be whole numbers, every value is at least 0 and a `..._share`
/// at most 1. Read once per run, so reflection and `JSONDecoder` cost nothing that matters.
extension AbuseSettings {
    /// Every setting: its name in the file, its property name, and whether it is a whole number.
    static let fileKeys: [(file: String, property: String, isInteger: Bool)] = Mirror(reflecting: AbuseSettings())
        .children.compactMap { child in
            guard let label = child.label, child.value is Int || child.value is Double else { return nil }
            return (snakeCase(label), label, child.value is Int)
        }

    /// The schema of the `abuse` member, for ``DetectorConfiguration/schema``.
    static var documentSchema: DocumentSchema {
        .object(Dictionary(uniqueKeysWithValues: fileKeys.map { ($0.file, $0.isInteger ? .integer : .number) }))
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

    /// The defaults with the values `member` (already checked against ``documentSchema``) sets;
    /// a negative value, or a share above 1, is an error naming where it was written.
    static func make(_ member: DocumentNode?, path: String) throws(DetectorConfiguration.LoadError) -> AbuseSettings {
        guard let member, case .object(let written) = member.value, !written.isEmpty else { return AbuseSettings() }
        let byFileName = Dictionary(uniqueKeysWithValues: fileKeys.map { ($0.file, $0.property) })
        var values: [String: Double] = [:]
        for entry in written {
            guard case .number(let number) = entry.value.value, let property = byFileName[entry.key] else { continue }
            let isShare = entry.key.hasSuffix("_share")
            guard number >= 0, !isShare || number <= 1 else {
                let bound = isShare ? "a share from 0 to 1" : "at least 0"
                let error = DocumentError(
                    file: path, position: entry.value.position,
                    message: "abuse.\(entry.key) must be \(bound), not \(number)")
                throw DetectorConfiguration.LoadError(description: "config file \(error.description)")
            }
            values[property] = number
        }
        // The defaults as a document, the written values laid over them, decoded as a whole.
        guard let defaults = try? JSONEncoder().encode(AbuseSettings()),
            let tree = try? StrictJSONReader.read([UInt8](defaults), file: "defaults"),
            case .object(var members) = tree.value
        else {
            preconditionFailure("the default abuse settings always encode to an object")
        }
        for index in members.indices {
            if let number = values[members[index].key] { members[index].value.value = .number(number) }
        }
        let merged = DocumentNode(.object(members), at: tree.position).canonicalJSON()
        do {
            return try JSONDecoder().decode(AbuseSettings.self, from: Data(merged.utf8))
        } catch {
            // The schema admits only whole numbers for Int settings, so this is a bug.
            throw DetectorConfiguration.LoadError(
                description: "config file \(path): abuse settings did not decode: \(error)")
        }
    }
}
