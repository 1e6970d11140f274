/// Why a state file could not be read or merged. Every message is lowercase, names the file
/// when there is one, and says what to do.
public struct StateFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    /// The same error with the file it came from named in front.
    func naming(_ path: String) -> StateFileError {
        StateFileError("\(path): \(description)")
    }

    static func truncated(at offset: Int) -> StateFileError {
        StateFileError("the state ends early (at byte \(offset)); the file is truncated, write it again")
    }

    static func corrupt(_ what: String, at offset: Int) -> StateFileError {
        StateFileError("corrupt state at byte \(offset): \(what)")
    }
}

/// A value that `StateWriter` and `StateReader` can carry: each mergeable summary type writes
/// its own fields (next to its definition, so a change to a type and to its state travel
/// together), and checks on reading every invariant its code relies on, so that a damaged or
/// hand-made file is refused rather than crashing a detector later.
public protocol StateCodable {
    func encode(to writer: inout StateWriter)
    init(from reader: inout StateReader) throws(StateFileError)
}

/// Appends values in the state encoding: integers as LEB128 varints (signed ones zigzag-mapped,
/// so small counts and negative sentinels both stay short; Protocol Buffers' encoding, see
/// protobuf.dev/programming-guides/encoding), hashes and doubles as 8 little-endian bytes,
/// strings and arrays as a length followed by their contents.
public struct StateWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    public mutating func write(_ value: Int64) {
        write(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    public mutating func write(_ value: Int) { write(Int64(value)) }
    public mutating func write(_ value: Int32) { write(Int64(value)) }
    public mutating func write(_ value: UInt32) { write(UInt64(value)) }
    public mutating func write(_ value: UInt16) { write(UInt64(value)) }
    public mutating func write(_ value: UInt8) { bytes.append(value) }
    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Eight bytes, little-endian: hashes are uniformly spread, so a varint would be longer.
    public mutating func writeFixed(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// The IEEE 754 bit pattern, so every double (infinities, NaN, −0) comes back exactly.
    public mutating func write(_ value: Double) { writeFixed(value.bitPattern) }
    public mutating func write(_ value: Float) { write(UInt32(value.bitPattern)) }

    public mutating func write(_ value: String) {
        var copy = value
        copy.withUTF8 { utf8 in
            write(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func writeRaw(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    public mutating func write<Value: StateCodable>(_ value: Value) { value.encode(to: &self) }

}

/// Reads what `StateWriter` wrote, from a byte array, checking every length against the bytes
/// left so that a damaged file is an error, never a crash or a huge allocation.
public struct StateReader {
    let bytes: [UInt8]
    public private(set) var position: Int
    /// Where the readable bytes end (the payload of a state file ends before its checksum).
    let end: Int

    public init(_ bytes: [UInt8], position: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.position = position
        self.end = min(end ?? bytes.count, bytes.count)
    }

    public var remaining: Int { end - position }

    public func corrupt(_ what: String) -> StateFileError { .corrupt(what, at: position) }

    public mutating func readUInt64() throws(StateFileError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw .truncated(at: position) }
            let byte = bytes[position]
            position += 1
            guard shift < 64, shift < 63 || byte <= 1 else { throw corrupt("an integer longer than 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    public mutating func readInt64() throws(StateFileError) -> Int64 {
        let zigzag = try readUInt64()
        return Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
    }

    public mutating func readInt() throws(StateFileError) -> Int { Int(try readInt64()) }

    /// Instants and differences of instants are within this many milliseconds of the epoch
    /// (about 35,000 years), or one of the `.min`/`.max` sentinels of an empty range: the
    /// detectors' arithmetic on them then cannot overflow.
    public static let millisLimit: Int64 = 1 << 50

    /// A time in milliseconds (an instant, or a lag between two).
    public mutating func readMillis() throws(StateFileError) -> Int64 {
        let value = try readInt64()
        guard value == .max || value == .min || abs(value) <= Self.millisLimit else {
            throw corrupt("a time of \(value) ms, beyond any log's")
        }
        return value
    }

    /// A window or bucket length in milliseconds: positive and at most `millisLimit`.
    public mutating func readDuration() throws(StateFileError) -> Int64 {
        let value = try readInt64()
        guard value > 0 && value <= Self.millisLimit else { throw corrupt("a window length of \(value) ms") }
        return value
    }

    /// A count or amount that cannot be negative.
    public mutating func readCount() throws(StateFileError) -> Int {
        let value = try readInt64()
        guard value >= 0 else { throw corrupt("a negative count (\(value))") }
        return Int(value)
    }

    /// The length of a sequence whose elements take at least `minimumElementBytes` each: more
    /// elements than the bytes left could hold means the length itself is damaged.
    public mutating func readLength(minimumElementBytes: Int = 1) throws(StateFileError) -> Int {
        let count = try readCount()
        guard count <= remaining / max(1, minimumElementBytes) else {
            throw corrupt("a length of \(count) with \(remaining) bytes left")
        }
        return count
    }

    public mutating func readInt32() throws(StateFileError) -> Int32 {
        let value = try readInt64()
        guard let narrow = Int32(exactly: value) else { throw corrupt("\(value) does not fit 32 bits") }
        return narrow
    }

    public mutating func readUInt32() throws(StateFileError) -> UInt32 {
        let value = try readUInt64()
        guard let narrow = UInt32(exactly: value) else { throw corrupt("\(value) does not fit 32 bits") }
        return narrow
    }

    public mutating func readUInt16() throws(StateFileError) -> UInt16 {
        let value = try readUInt64()
        guard let narrow = UInt16(exactly: value) else { throw corrupt("\(value) does not fit 16 bits") }
        return narrow
    }

    public mutating func readUInt8() throws(StateFileError) -> UInt8 {
        guard position < end else { throw .truncated(at: position) }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func readBool() throws(StateFileError) -> Bool {
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        case let other: throw .corrupt("\(other) where a flag (0 or 1) belongs", at: position - 1)
        }
    }

    public mutating func readFixedUInt64() throws(StateFileError) -> UInt64 {
        guard remaining >= 8 else { throw .truncated(at: end) }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[position + index]) << UInt64(index * 8) }
        position += 8
        return value
    }

    public mutating func readDouble() throws(StateFileError) -> Double {
        Double(bitPattern: try readFixedUInt64())
    }

    public mutating func readFloat() throws(StateFileError) -> Float {
        Float(bitPattern: try readUInt32())
    }

    public mutating func readString() throws(StateFileError) -> String {
        let count = try readLength()
        defer { position += count }
        return String(decoding: bytes[position..<position + count], as: UTF8.self)
    }

    public mutating func readRaw(count: Int) throws(StateFileError) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw .truncated(at: end) }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    public mutating func read<Value: StateCodable>(_: Value.Type = Value.self) throws(StateFileError) -> Value {
        try Value(from: &self)
    }

    public mutating func readOptional<Value: StateCodable>(_: Value.Type = Value.self) throws(StateFileError)
        -> Value?
    {
        try readBool() ? try Value(from: &self) : nil
    }

    public mutating func readArray<Element: StateCodable>(_: Element.Type = Element.self) throws(StateFileError)
        -> [Element]
    {
        let count = try readLength()
        var values: [Element] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try Element(from: &self)) }
        return values
    }

    /// A dictionary; a key written twice means the file was not written by `StateWriter`.
    public mutating func readDictionary<Key: StateCodable & Hashable, Value: StateCodable>(
        _: [Key: Value].Type = [Key: Value].self
    ) throws(StateFileError) -> [Key: Value] {
        let count = try readLength(minimumElementBytes: 2)
        var table: [Key: Value] = [:]
        table.reserveCapacity(count)
        for _ in 0..<count {
            let key = try Key(from: &self)
            let value = try Value(from: &self)
            guard table.updateValue(value, forKey: key) == nil else { throw corrupt("a key written twice") }
        }
        return table
    }

    /// A sequence of plain integers of a fixed length (status classes, reject reasons ...).
    public mutating func readCounts(exactly expected: Int, what: String) throws(StateFileError) -> [Int] {
        let count = try readLength()
        guard count == expected else { throw corrupt("\(count) \(what) where \(expected) belong") }
        var values: [Int] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try readCount()) }
        return values
    }

    /// Fails unless `condition` holds: the invariant named by `what` was broken.
    public func check(_ condition: Bool, _ what: @autoclosure () -> String) throws(StateFileError) {
        if !condition { throw corrupt(what()) }
    }
}

extension Int: StateCodable {
    public func encode(to writer: inout StateWriter) { writer.write(self) }
    public init(from reader: inout StateReader) throws(StateFileError) { self = try reader.readInt() }
}

extension Int64: StateCodable {
    public func encode(to writer: inout StateWriter) { writer.write(self) }
    public init(from reader: inout StateReader) throws(StateFileError) { self = try reader.readInt64() }
}

extension Int32: StateCodable {
    public func encode(to writer: inout StateWriter) { writer.write(self) }
    public init(from reader: inout StateReader) throws(StateFileError) { self = try reader.readInt32() }
}

extension UInt32: StateCodable {
    public func encode(to writer: inout StateWriter) { writer.write(self) }
    public init(from reader: inout StateReader) throws(StateFileError) { self = try reader.readUInt32() }
}

/// 64-bit values are hashes in this state: written fixed-width.
extension UInt64: StateCodable {
    public func encode(to writer: inout StateWriter) { writer.writeFixed(self) }
    public init(from reader: inout StateReader) throws(StateFileError) { self = try reader.readFixedUInt64() }
}

extension Double: StateCodable {
    public func encode(to writer: inout StateWriter) { writer.write(self) }
    public init(from reader: inout StateReader) throws(StateFileError) { self = try reader.readDouble() }
}

extension String: StateCodable {
    public func encode(to writer: inout StateWriter) { writer.write(self) }
    public init(from reader: inout StateReader) throws(StateFileError) { self = try reader.readString() }
}

extension Bool: StateCodable {
    public func encode(to writer: inout StateWriter) { writer.write(self) }
    public init(from reader: inout StateReader) throws(StateFileError) { self = try reader.readBool() }
}

extension Optional: StateCodable where Wrapped: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(self != nil)
        if let self { self.encode(to: &writer) }
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self = try reader.readBool() ? try Wrapped(from: &reader) : nil
    }
}

extension Array: StateCodable where Element: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(count)
        for value in self { value.encode(to: &writer) }
    }

    public init(from reader: inout StateReader) throws(StateFileError) { self = try reader.readArray() }
}

extension Dictionary: StateCodable where Key: StateCodable, Value: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(count)
        for (key, value) in self {
            key.encode(to: &writer)
            value.encode(to: &writer)
        }
    }

    public init(from reader: inout StateReader) throws(StateFileError) { self = try reader.readDictionary() }
}
