/// A configuration or mapping document read into a tree that remembers where each value was
/// written, so that every error (an unknown key, a wrong type, a bad value) can name the file,
/// line and column. ``StrictJSONReader`` and ``YAMLDocumentReader`` build it;
/// ``DocumentSchema`` checks it; ``canonicalJSON()`` hands it to a `Decodable` type.
///
/// To load a new kind of file (the `formats` mapping files, say):
/// ```swift
/// let document = try StrictDocument.load(path: path)      // JSON or YAML by extension
/// try MyFormat.schema.check(document.root, in: document)  // unknown keys, types, required keys
/// let value = try JSONDecoder().decode(MyFormat.self, from: Data(document.root.canonicalJSON().utf8))
/// ```
public struct DocumentNode: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        /// Members in the order written; keys are unique (readers reject duplicates).
        case object([Member])
        case array([DocumentNode])
        case string(String)
        /// A finite number, kept as the reader's value.
        case number(Double)
        case bool(Bool)
        case null
    }

    public struct Member: Sendable, Equatable {
        public var key: String
        /// Where the key was written (an unknown key's error points here).
        public var keyPosition: DocumentPosition
        public var value: DocumentNode
    }

    public var value: Value
    public var position: DocumentPosition

    public init(_ value: Value, at position: DocumentPosition) {
        self.value = value
        self.position = position
    }

    /// The member `key` of an object, if present.
    public subscript(key: String) -> DocumentNode? {
        guard case .object(let members) = value else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// What a person calls this kind of value in an error message.
    public var kindName: String {
        switch value {
        case .object: "an object"
        case .array: "a list"
        case .string: "a string"
        case .number: "a number"
        case .bool: "true or false"
        case .null: "null"
        }
    }

    /// The tree as compact JSON, numbers written so that `JSONDecoder` reads back the same
    /// `Double` (and integers without a fraction, so `Int` members decode).
    public func canonicalJSON() -> String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch value {
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(member.key, into: &out)
                out += ":"
                member.value.write(into: &out)
            }
            out += "}"
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .string(let text): Self.writeString(text, into: &out)
        case .number(let number):
            if number == number.rounded(), abs(number) < 1e15 {
                out += String(Int64(number))
            } else {
                out += "\(number)"
            }
        case .bool(let flag): out += flag ? "true" : "false"
        case .null: out += "null"
        }
    }

    private static func writeString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u00" + String(scalar.value, radix: 16).leftPadded(to: 2)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// A place in a document: 1-based line and column (columns count Unicode scalars, as libyaml's
/// marks do).
public struct DocumentPosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// An error in a document, printed as `FILE:LINE:COLUMN: message` (the shape compilers and
/// editors jump to).
public struct DocumentError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var position: DocumentPosition?
    public var message: String

    public init(file: String, position: DocumentPosition?, message: String) {
        self.file = file
        self.position = position
        self.message = message
    }

    public var description: String {
        guard let position else { return "\(file): \(message)" }
        return "\(file):\(position.line):\(position.column): \(message)"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
