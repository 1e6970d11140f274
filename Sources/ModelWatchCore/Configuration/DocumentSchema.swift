import Foundation

/// The shape a document must have: which keys an object may hold (an unknown key is an error
/// with a "did you mean" from the known ones), which it must hold, and each value's type.
/// Checking the tree before decoding it is what makes a typo'd key (`aproved_changes`) an error
/// instead of a setting silently ignored.
///
/// ```swift
/// let schema = DocumentSchema.object([
///     "approved_changes": .array(.object(["model": .string, "from": .string], required: ["model", "from"])),
///     "drift": .object(["window_hours": .integer]),
/// ])
/// try schema.check(root, file: "config.yaml")
/// ```
public indirect enum DocumentSchema: Sendable {
    /// An object whose keys are the fixed names of `members`; `required` must all be present.
    case object([String: DocumentSchema], required: Set<String> = [])
    /// An object whose keys are free (model names, feature names), each value of one schema.
    case dictionary(DocumentSchema)
    case array(DocumentSchema)
    case string
    case number
    /// A number without a fraction.
    case integer
    case bool

    /// Checks `node` and everything under it; the first problem is thrown with its position.
    /// `path` names where `node` sits (`drift.models`), for the message.
    public func check(_ node: DocumentNode, file: String, path: String = "") throws(DocumentError) {
        func fail(_ message: String, at position: DocumentPosition = node.position) -> DocumentError {
            DocumentError(file: file, position: position, message: message)
        }
        let place = path.isEmpty ? "the top level" : path
        switch self {
        case .object(let members, let required):
            guard case .object(let written) = node.value else {
                throw fail("\(place) must be an object (key: value), not \(node.kindName)")
            }
            for member in written {
                guard let schema = members[member.key] else {
                    let known = members.keys.sorted()
                    var message = "unknown key '\(member.key)' in \(place)"
                    if let suggestion = Self.suggestion(for: member.key, among: known) {
                        message += "; did you mean '\(suggestion)'?"
                    } else {
                        message += " (known keys: \(known.joined(separator: ", ")))"
                    }
                    throw fail(message, at: member.keyPosition)
                }
                try schema.check(member.value, file: file, path: Self.join(path, member.key))
            }
            let missing = required.subtracting(written.map(\.key)).sorted()
            if !missing.isEmpty {
                throw fail("\(place) needs \(missing.map { "'\($0)'" }.joined(separator: " and "))")
            }
        case .dictionary(let schema):
            guard case .object(let written) = node.value else {
                throw fail("\(place) must be an object (name: settings), not \(node.kindName)")
            }
            for member in written { try schema.check(member.value, file: file, path: Self.join(path, member.key)) }
        case .array(let schema):
            guard case .array(let items) = node.value else {
                throw fail("\(place) must be a list, not \(node.kindName)")
            }
            for (index, item) in items.enumerated() { try schema.check(item, file: file, path: "\(place)[\(index)]") }
        case .string:
            guard case .string = node.value else {
                throw fail("\(place) must be a string, not \(node.kindName) (put it in quotes)")
            }
        case .number:
            guard case .number = node.value else { throw fail("\(place) must be a number, not \(node.kindName)") }
        case .integer:
            guard case .number(let number) = node.value, number == number.rounded(), abs(number) < 1e15 else {
                throw fail("\(place) must be a whole number, not \(node.kindName)")
            }
        case .bool:
            guard case .bool = node.value else { throw fail("\(place) must be true or false, not \(node.kindName)") }
        }
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The known key nearest to `key` by edit distance, if it is near enough to be a typo: at
    /// most a third of the key's length (so `aproved_changes` finds `approved_changes`, and
    /// `colour` nothing).
    static func suggestion(for key: String, among known: [String]) -> String? {
        let limit = max(1, key.count / 3)
        let scored = known.map { (name: $0, distance: editDistance(key.lowercased(), $0)) }
        guard let best = scored.min(by: { ($0.distance, $0.name) < ($1.distance, $1.name) }),
            best.distance <= limit
        else { return nil }
        return best.name
    }

    /// Levenshtein distance (insertions, deletions, substitutions) between two strings'
    /// characters. Complexity: O(a × b), on key names.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// A config or mapping file read into a ``DocumentNode``: YAML when its name ends in `.yaml` or
/// `.yml`, JSON otherwise (both strict; errors carry file, line and column).
public enum StrictDocument {
    /// Largest config file read, 16 MiB: real ones are a few KiB, and this bounds the memory a
    /// wrong path (a log file given as `--config`) can take.
    public static let sizeLimit = 16 << 20

    public static func load(path: String) throws(DocumentError) -> DocumentNode {
        let bytes = try readFile(path)
        return try parse(bytes, file: path)
    }

    /// Parses `bytes` as YAML or JSON by `file`'s extension.
    public static func parse(_ bytes: [UInt8], file: String) throws(DocumentError) -> DocumentNode {
        let lowered = file.lowercased()
        if lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml") {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw DocumentError(file: file, position: nil, message: "not UTF-8 text")
            }
            return try YAMLDocumentReader.read(text, file: file)
        }
        return try StrictJSONReader.read(bytes, file: file)
    }

    /// The file's bytes, at most `sizeLimit` of them (read through a handle, so a device such
    /// as `/dev/zero` given by mistake ends at the limit too).
    static func readFile(_ path: String) throws(DocumentError) -> [UInt8] {
        let data: Data?
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.read(upToCount: sizeLimit + 1)
        } catch {
            throw DocumentError(
                file: path, position: nil, message: "cannot read the file: \(error.localizedDescription)")
        }
        let bytes = [UInt8](data ?? Data())
        guard bytes.count <= sizeLimit else {
            throw DocumentError(
                file: path, position: nil, message: "larger than \(sizeLimit >> 20) MiB: this is not a config file")
        }
        return bytes
    }
}
