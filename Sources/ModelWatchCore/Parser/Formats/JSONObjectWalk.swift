/// Small steps the preset parsers share for walking nested JSON objects with `JSONByteScanner`:
/// enter an object (or skip a value that is not one), read a member's key, compare it, read
/// integers and texts the way each writer spells them.
extension JSONByteScanner {
    /// Enters the object that starts here and returns true when it has members; a value that is
    /// not an object (`null`, a string, an array) is skipped and false returned, as is `{}`.
    mutating func enterObject(depth: Int) throws(LineRejection) -> Bool {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else {
            try skipValue(depth: depth)
            return false
        }
        guard depth < maximumDepth else { throw LineRejection(.nestingTooDeep, at: index) }
        index += 1
        return !consumeIfPresent(UInt8(ascii: "}"))
    }

    /// Reads a member's key and the `:` after it.
    mutating func readKey() throws(LineRejection) -> UnsafeRawBufferPointer {
        let key = try readString()
        try expect(UInt8(ascii: ":"))
        return slice(key)
    }

    /// True after the last member of the object being walked (consumes `,` or `}`).
    mutating func endOfObject() throws(LineRejection) -> Bool {
        try !nextMember(closing: UInt8(ascii: "}"))
    }

    /// A number (or a quoted number) as a non-negative count clamped to Int32; -1 when absent.
    mutating func readCount() throws(LineRejection) -> Int32 {
        let value = try readOptionalNumber()
        return value.isFinite && value >= 0 ? Int32(clampingNumber: value) : -1
    }

    /// Where the value that starts here begins (after blank space): for the error offsets.
    mutating func valueStart() -> Int {
        skipWhitespace()
        return index
    }
}

extension UnsafeRawBufferPointer {
    /// True when these bytes start with `literal`'s UTF-8.
    func starts(with literal: StaticString) -> Bool {
        guard literal.utf8CodeUnitCount <= count else { return false }
        return UnsafeRawBufferPointer(rebasing: self[0..<literal.utf8CodeUnitCount]).equals(literal)
    }
}

extension ByteSpan {
    /// The span without its first `count` bytes.
    func dropping(first dropped: Int) -> ByteSpan {
        ByteSpan(start: Int(start) + dropped, count: Int(count) - dropped)
    }

    /// The first `length` bytes of the span.
    func prefix(_ length: Int) -> ByteSpan {
        ByteSpan(start: Int(start), count: min(Int(count), length))
    }
}

extension JSONByteScanner {
    /// Enters the record's top-level object; a line that is not one is `notJSONObject`.
    /// Returns false for `{}`.
    mutating func enterRecord() throws(LineRejection) -> Bool {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { throw LineRejection(.notJSONObject, at: index) }
        index += 1
        return !consumeIfPresent(UInt8(ascii: "}"))
    }

    /// After the top-level object: only blank space may follow.
    mutating func finishRecord() throws(LineRejection) {
        skipWhitespace()
        guard atEnd else { throw LineRejection(.malformedJSON, at: index) }
    }

    /// An RFC 3339 string or an epoch number (seconds or milliseconds, bare or quoted) as UTC
    /// milliseconds.
    mutating func readTimestamp(offsetOptional: Bool = false) throws(LineRejection) -> Int64 {
        let start = valueStart()
        switch try readScalarOrSkip() {
        case .string(let span):
            if let millis = TimestampParser.parseRFC3339(slice(span), offsetOptional: offsetOptional) { return millis }
            // Epoch seconds written as a string (nginx's `$msec`: `1731801695.123`).
            if let number = AccessLogParser.decimal(slice(span)),
                let millis = TimestampParser.millisFromEpochNumber(number)
            {
                return millis
            }
        case .number(let value):
            if let millis = TimestampParser.millisFromEpochNumber(value) { return millis }
        default: break
        }
        throw LineRejection(.badTimestamp, at: start)
    }
}
