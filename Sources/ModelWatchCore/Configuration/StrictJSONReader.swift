/// Reads a JSON document (RFC 8259) into a ``DocumentNode`` with the line and column of every
/// value, strictly: no trailing commas, no comments, no duplicate keys, nothing after the
/// value, nesting at most ``depthLimit`` deep. Foundation's `JSONSerialization` accepts some
/// of these and reports neither line nor column, which is why config files are read here.
///
/// Config and mapping files are small and read once, so this works on an array of bytes with
/// an index, for clarity rather than speed.
public struct StrictJSONReader {
    /// Deeper nesting than any config needs; it bounds the recursion on hostile input.
    public static let depthLimit = 64

    let bytes: [UInt8]
    let file: String
    var index = 0
    var line = 1
    var lineStart = 0

    public init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
        // A UTF-8 byte-order mark is not part of the document (RFC 8259 section 8.1 lets a
        // parser ignore it).
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            index = 3
            lineStart = 3
        }
    }

    /// The document's one value.
    public static func read(_ bytes: [UInt8], file: String) throws(DocumentError) -> DocumentNode {
        var reader = StrictJSONReader(bytes: bytes, file: file)
        reader.skipWhitespace()
        let root = try reader.value(depth: 0)
        reader.skipWhitespace()
        if reader.index < bytes.count {
            throw reader.error("unexpected \(reader.describeCurrent()) after the end of the document")
        }
        return root
    }

    var position: DocumentPosition {
        // Columns count characters: UTF-8 continuation bytes (10xxxxxx) do not start one.
        let column = bytes[lineStart..<index].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        return DocumentPosition(line: line, column: column)
    }

    func error(_ message: String, at position: DocumentPosition? = nil) -> DocumentError {
        DocumentError(file: file, position: position ?? self.position, message: message)
    }

    func describeCurrent() -> String {
        guard index < bytes.count else { return "end of file" }
        let byte = bytes[index]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16))"
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): index += 1
            case UInt8(ascii: "\n"):
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws(DocumentError) -> DocumentNode {
        guard depth < Self.depthLimit else { throw error("nested more than \(Self.depthLimit) deep") }
        let start = position
        guard index < bytes.count else { throw error("expected a value, found the end of file") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return DocumentNode(.string(try string()), at: start)
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case UInt8(ascii: "/"): throw error("comments are not JSON; remove it (or write the file as YAML)")
        default: throw error("expected a value, found \(describeCurrent())")
        }
    }

    mutating func literal(_ word: String, _ value: DocumentNode.Value) throws(DocumentError) -> DocumentNode {
        let start = position
        let utf8 = Array(word.utf8)
        guard bytes[index...].starts(with: utf8) else {
            throw error("expected a value, found \(describeCurrent())")
        }
        index += utf8.count
        return DocumentNode(value, at: start)
    }

    mutating func object(depth: Int) throws(DocumentError) -> DocumentNode {
        let start = position
        index += 1
        var members: [DocumentNode.Member] = []
        var seen: [String: DocumentPosition] = [:]
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
            index += 1
            return DocumentNode(.object([]), at: start)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
                    throw error("trailing comma before '}': remove the comma after the last member")
                }
                if index < bytes.count && bytes[index] == UInt8(ascii: "/") {
                    throw error("comments are not JSON; remove it (or write the file as YAML)")
                }
                throw error("expected a key in double quotes, found \(describeCurrent())")
            }
            let keyPosition = position
            let key = try string()
            if let first = seen[key] {
                throw error("key '\(key)' appears twice (first at line \(first.line))", at: keyPosition)
            }
            seen[key] = keyPosition
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error("expected ':' after the key '\(key)', found \(describeCurrent())")
            }
            index += 1
            skipWhitespace()
            let member = try value(depth: depth + 1)
            members.append(DocumentNode.Member(key: key, keyPosition: keyPosition, value: member))
            skipWhitespace()
            guard index < bytes.count else { throw error("the object opened at \(start) is not closed") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return DocumentNode(.object(members), at: start)
            }
            throw error("expected ',' or '}' after the value of '\(key)', found \(describeCurrent())")
        }
    }

    mutating func array(depth: Int) throws(DocumentError) -> DocumentNode {
        let start = position
        index += 1
        var items: [DocumentNode] = []
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
            index += 1
            return DocumentNode(.array([]), at: start)
        }
        while true {
            skipWhitespace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
                throw error("trailing comma before ']': remove the comma after the last item")
            }
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw error("the list opened at \(start) is not closed") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return DocumentNode(.array(items), at: start)
            }
            throw error("expected ',' or ']' in the list, found \(describeCurrent())")
        }
    }

    mutating func string() throws(DocumentError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flushRaw() throws(DocumentError) {
            guard !raw.isEmpty else { return }
            guard let text = String(validating: raw, as: UTF8.self) else {
                throw error("a string is not valid UTF-8")
            }
            scalars.append(contentsOf: text.unicodeScalars)
            raw.removeAll()
        }
        while true {
            guard index < bytes.count else { throw error("a string is not closed before the end of file") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                try flushRaw()
                return String(scalars)
            case UInt8(ascii: "\\"):
                try flushRaw()
                index += 1
                guard index < bytes.count else { throw error("a string is not closed before the end of file") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var unit = try hexUnit()
                    if (0xD800..<0xDC00).contains(unit) {
                        // A high surrogate must be followed by an escaped low one (RFC 8259 section 7).
                        guard bytes[index...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) else {
                            throw error("an escaped surrogate \\u\(String(unit, radix: 16)) has no low half")
                        }
                        index += 2
                        let low = try hexUnit()
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw error("an escaped surrogate pair is invalid")
                        }
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(unit) else { throw error("\\u escape is not a character") }
                    scalars.append(scalar)
                default:
                    index -= 1
                    throw error("unknown escape \\\(describeCurrent()) in a string")
                }
            case 0..<0x20:
                throw error("a control character (0x\(String(byte, radix: 16))) inside a string must be escaped")
            default:
                raw.append(byte)
                index += 1
            }
        }
    }

    mutating func hexUnit() throws(DocumentError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("\\u needs four hex digits") }
        var unit: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("\\u needs four hex digits")
            }
            unit = unit << 4 | UInt32(digit)
        }
        index += 4
        return unit
    }

    /// A number by RFC 8259's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func number() throws(DocumentError) -> DocumentNode {
        let start = position
        let first = index
        func digits() -> Int {
            let before = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - before
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        guard digits() > 0 else { throw error("a number needs digits", at: start) }
        if bytes[integerStart] == UInt8(ascii: "0") && index - integerStart > 1 {
            throw error("a number must not start with 0", at: start)
        }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("a number needs digits after '.'", at: start) }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                index += 1
            }
            guard digits() > 0 else { throw error("a number needs digits in its exponent", at: start) }
        }
        let text = String(decoding: bytes[first..<index], as: UTF8.self)
        guard let number = Double(text), number.isFinite else {
            throw error("the number \(text) is out of range", at: start)
        }
        return DocumentNode(.number(number), at: start)
    }
}
