#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A scalar JSON value as read by `JSONByteScanner`; strings are spans into the line.
enum JSONScalar {
    case string(ByteSpan)
    case number(Double)
    case bool(Bool)
    case null
    /// An array or object that was skipped over.
    case skipped
}

/// A cursor over one line of JSON bytes: the pointer code of the JSON parsers lives here.
///
/// Every read checks `index < bytes.count` before touching a byte, so the scanner never reads
/// outside the line however the line is damaged; errors carry the offset where reading stopped.
struct JSONByteScanner {
    let bytes: UnsafeMutableRawBufferPointer
    var index = 0
    let maximumDepth: Int

    init(_ bytes: UnsafeMutableRawBufferPointer, maximumDepth: Int) {
        // Once per line: every span the scanner makes then fits 32 bits (`ByteSpan`).
        precondition(bytes.count <= ByteSpan.maximumLineLength, "line longer than a byte span can address")
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    var atEnd: Bool { index >= bytes.count }

    @inline(__always)
    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    func slice(_ span: ByteSpan) -> UnsafeRawBufferPointer {
        span.bytes(in: UnsafeRawBufferPointer(bytes))
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func consumeIfPresent(_ byte: UInt8) -> Bool {
        skipWhitespace()
        if peek() == byte {
            index += 1
            return true
        }
        return false
    }

    mutating func expect(_ byte: UInt8) throws(LineRejection) {
        guard consumeIfPresent(byte) else { throw LineRejection(.malformedJSON, at: index) }
    }

    /// After a member or element: true when a `,` follows, false at the closing bracket.
    mutating func nextMember(closing: UInt8) throws(LineRejection) -> Bool {
        skipWhitespace()
        guard let byte = peek() else { throw LineRejection(.malformedJSON, at: index) }
        index += 1
        if byte == UInt8(ascii: ",") { return true }
        if byte == closing { return false }
        throw LineRejection(.malformedJSON, at: index - 1)
    }

    /// Reads a string, decoding escapes in place, and returns the span of the decoded bytes.
    mutating func readString() throws(LineRejection) -> ByteSpan {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw LineRejection(.malformedJSON, at: index) }
        index += 1
        let start = index
        // Fast path: find the closing quote; most strings have no escapes. Eight bytes at a
        // time first (SWAR): a word with no quote, backslash or control byte is skipped whole.
        while index + 8 <= bytes.count {
            // Safe: the load reads bytes[index..<index + 8], inside the line.
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let stop = Self.bytesNeedingAttention(word)
            if stop == 0 {
                index += 8
                continue
            }
            // The lowest flagged byte is exact (borrows only run upwards).
            index += stop.trailingZeroBitCount / 8
            break
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return ByteSpan(withinCheckedLine: start, count: index - 1 - start)
            }
            if byte == UInt8(ascii: "\\") { return try readEscapedString(from: start) }
            if byte < 0x20 { throw LineRejection(.malformedJSON, at: index) }
            index += 1
        }
        throw LineRejection(.malformedJSON, at: index)
    }

    /// High bit set in each byte of `word` that is a quote, a backslash or a control byte
    /// (< 0x20), using the zero-byte test of "Bit Twiddling Hacks" (Sean Eron Anderson,
    /// "Determine if a word has a byte equal to n" / "less than n"). Bytes above the lowest
    /// flagged one may be flagged falsely; the lowest is always right.
    @inline(__always)
    static func bytesNeedingAttention(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | control) & highs
    }

    /// The slow path of `readString`: decodes escapes, writing behind the read position.
    private mutating func readEscapedString(from start: Int) throws(LineRejection) -> ByteSpan {
        var write = index
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return ByteSpan(withinCheckedLine: start, count: write - start)
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else { throw LineRejection(.malformedJSON, at: index) }
                let escaped = bytes[index + 1]
                index += 2
                let decoded: UInt8
                switch escaped {
                case UInt8(ascii: "\""): decoded = 0x22
                case UInt8(ascii: "\\"): decoded = 0x5C
                case UInt8(ascii: "/"): decoded = 0x2F
                case UInt8(ascii: "b"): decoded = 0x08
                case UInt8(ascii: "f"): decoded = 0x0C
                case UInt8(ascii: "n"): decoded = 0x0A
                case UInt8(ascii: "r"): decoded = 0x0D
                case UInt8(ascii: "t"): decoded = 0x09
                case UInt8(ascii: "u"):
                    var scalar = try readHex4()
                    if (0xD800..<0xDC00).contains(scalar), index + 1 < bytes.count,
                        bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                    {
                        index += 2
                        let low = try readHex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xD800..<0xE000).contains(scalar) {
                        scalar = 0xFFFD  // a lone surrogate becomes U+FFFD, as decoders do
                    }
                    write = writeUTF8(scalar, at: write)
                    continue
                default:
                    throw LineRejection(.malformedJSON, at: index - 1)
                }
                bytes[write] = decoded
                write += 1
            default:
                if byte < 0x20 { throw LineRejection(.malformedJSON, at: index) }
                bytes[write] = byte
                write += 1
                index += 1
            }
        }
        throw LineRejection(.malformedJSON, at: index)
    }

    private mutating func readHex4() throws(LineRejection) -> UInt32 {
        guard index + 4 <= bytes.count else { throw LineRejection(.malformedJSON, at: index) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw LineRejection(.malformedJSON, at: index)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// Writes `scalar` as UTF-8 at `write`; the 6-byte `\uXXXX` escape it came from is always at
    /// least as long as the 1 to 4 bytes written, so `write` never passes `index`.
    private func writeUTF8(_ scalar: UInt32, at write: Int) -> Int {
        switch scalar {
        case 0..<0x80:
            bytes[write] = UInt8(scalar)
            return write + 1
        case 0x80..<0x800:
            bytes[write] = UInt8(0xC0 | (scalar >> 6))
            bytes[write + 1] = UInt8(0x80 | (scalar & 0x3F))
            return write + 2
        case 0x800..<0x10000:
            bytes[write] = UInt8(0xE0 | (scalar >> 12))
            bytes[write + 1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
            bytes[write + 2] = UInt8(0x80 | (scalar & 0x3F))
            return write + 3
        default:
            bytes[write] = UInt8(0xF0 | (scalar >> 18))
            bytes[write + 1] = UInt8(0x80 | ((scalar >> 12) & 0x3F))
            bytes[write + 2] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
            bytes[write + 3] = UInt8(0x80 | (scalar & 0x3F))
            return write + 4
        }
    }

    /// Powers of ten exactly representable as Double, for the fast number path.
    private static let exactPowersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Reads a JSON number. Up to 15 significant digits with a small exponent are converted
    /// exactly with one multiply or divide (both operands exact, so the result is correctly
    /// rounded); anything else goes through `strtod`.
    mutating func readNumber() throws(LineRejection) -> Double {
        let start = index
        var negative = false
        if peek() == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var digitCount = 0
        var decimalExponent = 0
        let integerStart = index
        while index < bytes.count, bytes[index] &- 48 < 10 {
            if digitCount < 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- 48) } else { decimalExponent += 1 }
            if mantissa != 0 { digitCount += 1 }
            index += 1
        }
        guard index > integerStart else { throw LineRejection(.malformedJSON, at: start) }
        if bytes[integerStart] == UInt8(ascii: "0") && index - integerStart > 1 {
            throw LineRejection(.malformedJSON, at: start)
        }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < bytes.count, bytes[index] &- 48 < 10 {
                if digitCount < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- 48)
                    decimalExponent -= 1
                    if mantissa != 0 { digitCount += 1 }
                }
                index += 1
            }
            guard index > fractionStart else { throw LineRejection(.malformedJSON, at: index) }
        }
        if index < bytes.count && (bytes[index] | 0x20) == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            var exponent = 0
            while index < bytes.count, bytes[index] &- 48 < 10 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[index] &- 48) }
                index += 1
            }
            guard index > exponentStart else { throw LineRejection(.malformedJSON, at: index) }
            decimalExponent += exponentNegative ? -exponent : exponent
        }
        if digitCount <= 15 && decimalExponent >= -22 && decimalExponent <= 22 {
            var value = Double(mantissa)
            if decimalExponent < 0 {
                value /= Self.exactPowersOfTen[-decimalExponent]
            } else {
                value *= Self.exactPowersOfTen[decimalExponent]
            }
            return negative ? -value : value
        }
        return slowNumber(from: start)
    }

    /// `strtod` over a NUL-terminated copy of the number's bytes (at most 64 kept).
    private func slowNumber(from start: Int) -> Double {
        let length = min(index - start, 63)
        var text = [CChar](repeating: 0, count: length + 1)
        for offset in 0..<length { text[offset] = CChar(bitPattern: bytes[start + offset]) }
        return text.withUnsafeBufferPointer { strtod($0.baseAddress!, nil) }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(LineRejection) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count,
            memcmp(literal.utf8Start, bytes.baseAddress! + index, count) == 0
        else { throw LineRejection(.malformedJSON, at: index) }
        index += count
    }

    /// Reads a string, number, boolean or null; arrays and objects are a malformed scalar.
    mutating func readScalar() throws(LineRejection) -> JSONScalar {
        skipWhitespace()
        guard let byte = peek() else { throw LineRejection(.malformedJSON, at: index) }
        switch byte {
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try readNumber())
        default:
            throw LineRejection(.malformedJSON, at: index)
        }
    }

    /// Like `readScalar`, but skips an array or object instead of rejecting it.
    mutating func readScalarOrSkip(depth: Int = 1) throws(LineRejection) -> JSONScalar {
        skipWhitespace()
        if let byte = peek(), byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
            try skipValue(depth: depth)
            return .skipped
        }
        return try readScalar()
    }

    mutating func readOptionalString() throws(LineRejection) -> ByteSpan {
        if case .string(let span) = try readScalarOrSkip() { return span }
        return .absent
    }

    /// A string, or a number kept as its text (versions are sometimes written `3`).
    mutating func readOptionalStringOrNumber() throws(LineRejection) -> ByteSpan {
        skipWhitespace()
        let start = index
        switch try readScalarOrSkip() {
        case .string(let span): return span
        case .number: return ByteSpan(withinCheckedLine: start, count: index - start)
        default: return .absent
        }
    }

    mutating func readOptionalNumber() throws(LineRejection) -> Double {
        switch try readScalarOrSkip() {
        case .number(let value): return value
        case .string(let span):
            // Some loggers quote numbers; read them when the whole string is a number.
            var inner = JSONByteScanner(
                span.bytes(in: bytes),
                maximumDepth: 0)
            if let value = try? inner.readNumber(), inner.atEnd { return value }
            return .nan
        default: return .nan
        }
    }

    /// Skips any value, refusing nesting deeper than `maximumDepth`.
    mutating func skipValue(depth: Int) throws(LineRejection) {
        skipWhitespace()
        guard let byte = peek() else { throw LineRejection(.malformedJSON, at: index) }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < maximumDepth else { throw LineRejection(.nestingTooDeep, at: index) }
            let closing = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            if consumeIfPresent(closing) { return }
            repeat {
                if closing == UInt8(ascii: "}") {
                    _ = try readString()
                    try expect(UInt8(ascii: ":"))
                }
                try skipValue(depth: depth + 1)
            } while try nextMember(closing: closing)
        default:
            _ = try readScalar()
        }
    }
}
