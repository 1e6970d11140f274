import Yams

/// Reads a YAML document into a ``DocumentNode`` through Yams (libyaml's parser), keeping each
/// node's mark (line and column). Plain scalars are typed as YAML 1.1's core resolver types
/// them (`null`, `true`, `42`, `0.5`); quoted scalars are always strings. Keys must be
/// scalars. Aliases are expanded as YAML says, but at most ``valueLimit`` values in all: a chain
/// of aliases to aliases (the "billion laughs") would otherwise expand exponentially.
public enum YAMLDocumentReader {
    /// Values a document may expand to: far more than any config, far less than memory.
    public static let valueLimit = 1_000_000

    public static func read(_ text: String, file: String) throws(DocumentError) -> DocumentNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw describe(error, file: file)
        } catch {
            throw DocumentError(file: file, position: nil, message: "not valid YAML: \(error)")
        }
        guard let root else { return DocumentNode(.object([]), at: DocumentPosition(line: 1, column: 1)) }
        var budget = valueLimit
        return try convert(root, file: file, depth: 0, budget: &budget)
    }

    static func position(_ mark: Mark?) -> DocumentPosition {
        DocumentPosition(line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    static func convert(_ node: Node, file: String, depth: Int, budget: inout Int) throws(DocumentError)
        -> DocumentNode
    {
        let at = position(node.mark)
        budget -= 1
        guard budget >= 0 else {
            throw DocumentError(
                file: file, position: at, message: "expands to more than \(valueLimit) values (aliases of aliases?)")
        }
        guard depth < StrictJSONReader.depthLimit else {
            throw DocumentError(
                file: file, position: at, message: "nested more than \(StrictJSONReader.depthLimit) deep")
        }
        switch node {
        case .alias:
            throw DocumentError(file: file, position: at, message: "YAML aliases (*name) are not accepted in this file")
        case .mapping(let mapping):
            var members: [DocumentNode.Member] = []
            var seen: [String: DocumentPosition] = [:]
            for (key, value) in mapping {
                guard case .scalar(let scalar) = key else {
                    throw DocumentError(file: file, position: position(key.mark), message: "a key must be a plain name")
                }
                let keyPosition = position(scalar.mark)
                if let first = seen[scalar.string] {
                    throw DocumentError(
                        file: file, position: keyPosition,
                        message: "key '\(scalar.string)' appears twice (first at line \(first.line))")
                }
                seen[scalar.string] = keyPosition
                members.append(
                    DocumentNode.Member(
                        key: scalar.string, keyPosition: keyPosition,
                        value: try convert(value, file: file, depth: depth + 1, budget: &budget)))
            }
            return DocumentNode(.object(members), at: at)
        case .sequence(let sequence):
            var items: [DocumentNode] = []
            for item in sequence { items.append(try convert(item, file: file, depth: depth + 1, budget: &budget)) }
            return DocumentNode(.array(items), at: at)
        case .scalar(let scalar):
            if scalar.style != .plain { return DocumentNode(.string(scalar.string), at: at) }
            if node.null != nil { return DocumentNode(.null, at: at) }
            if let flag = node.bool { return DocumentNode(.bool(flag), at: at) }
            if let integer = node.int { return DocumentNode(.number(Double(integer)), at: at) }
            if let number = node.float {
                guard number.isFinite else {
                    throw DocumentError(file: file, position: at, message: "'\(scalar.string)' is not a finite number")
                }
                return DocumentNode(.number(number), at: at)
            }
            return DocumentNode(.string(scalar.string), at: at)
        }
    }

    /// libyaml's problem and mark as a `FILE:LINE:COLUMN` error.
    static func describe(_ error: YamlError, file: String) -> DocumentError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return DocumentError(file: file, position: position(mark), message: "not valid YAML: \(prefix)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return DocumentError(
                file: file, position: position(context.mark),
                message: "key '\(duplicates.joined(separator: "', '"))' appears twice")
        default:
            return DocumentError(file: file, position: nil, message: "not valid YAML: \(error)")
        }
    }
}
