import Foundation

/// The state file: a run's mergeable `AnalysisState` on disk, for `analyze --save-state` and
/// `merge` (and the shards of a Spark job).
///
/// Layout, all integers little-endian:
///
/// | bytes     | what                                                              |
/// |-----------|-------------------------------------------------------------------|
/// | 0..<16    | the format name, ASCII `modelwatch-state`                          |
/// | 16..<20   | the format version (`UInt32`), `StateFile.version`                 |
/// | 20..<28   | the payload's length in bytes (`UInt64`)                           |
/// | payload   | the `AnalysisState`, in `StateWriter`'s encoding                   |
/// | last 8    | `ByteHashing.hash` of the payload, so damage is found before use   |
///
/// Versioning rule: the version goes up whenever the encoding of any type in the state changes
/// (a field added, removed, reordered or re-typed). A reader reads exactly its own version: a
/// file of another version is refused with a message naming both, never guessed at (a state is
/// a cache of a run, so the fix is to run `analyze --save-state` again with one binary).
public enum StateFile {
    public static let formatName: [UInt8] = Array("modelwatch-state".utf8)
    public static let version: UInt32 = 2
    static let headerLength = 16 + 4 + 8
    static let checksumLength = 8

    /// The file's bytes for `state`.
    public static func encode(_ state: AnalysisState) -> [UInt8] {
        var payload = StateWriter()
        payload.write(state)
        var file = StateWriter()
        file.writeRaw(formatName)
        for shift in stride(from: 0, to: 32, by: 8) { file.write(UInt8(truncatingIfNeeded: version >> UInt32(shift))) }
        file.writeFixed(UInt64(payload.bytes.count))
        file.writeRaw(payload.bytes)
        file.writeFixed(payload.bytes.withUnsafeBytes { ByteHashing.hash($0) })
        return file.bytes
    }

    /// The state in `bytes`, or why they are not a state this version can read.
    public static func decode(_ bytes: [UInt8]) throws(StateFileError) -> AnalysisState {
        guard bytes.count >= formatName.count, bytes.starts(with: formatName) else {
            throw StateFileError(
                "not a modelwatch state file (it begins with \(describe(bytes.prefix(16)))); give files written by `modelwatch analyze --save-state`"
            )
        }
        guard bytes.count >= headerLength else { throw .truncated(at: bytes.count) }
        var reader = StateReader(bytes, position: formatName.count)
        var found: UInt32 = 0
        for index in 0..<4 { found |= UInt32(try reader.readUInt8()) << UInt32(index * 8) }
        guard found == version else {
            let relation = found > version ? "a newer" : "an older"
            throw StateFileError(
                "state format version \(found) was written by \(relation) modelwatch; this one reads version \(version) only: run `analyze --save-state` again with the same modelwatch"
            )
        }
        let length = try reader.readFixedUInt64()
        guard length <= UInt64(bytes.count - headerLength), bytes.count - headerLength - Int(length) >= checksumLength
        else {
            throw StateFileError(
                "the state is truncated: its header announces \(length) bytes of state, the file holds \(bytes.count - headerLength) after the header"
            )
        }
        let payloadEnd = headerLength + Int(length)
        var checksumReader = StateReader(bytes, position: payloadEnd)
        let checksum = try checksumReader.readFixedUInt64()
        guard bytes.count == payloadEnd + checksumLength else {
            throw StateFileError(
                "\(bytes.count - payloadEnd - checksumLength) unexpected bytes after the state's checksum")
        }
        let computed = bytes.withUnsafeBytes {
            ByteHashing.hash(UnsafeRawBufferPointer(rebasing: $0[headerLength..<payloadEnd]))
        }
        guard computed == checksum else {
            throw StateFileError("the state's checksum does not match: the file was damaged after it was written")
        }
        var payload = StateReader(bytes, position: headerLength, end: payloadEnd)
        let state = try AnalysisState(from: &payload)
        guard payload.remaining == 0 else { throw payload.corrupt("\(payload.remaining) bytes left after the state") }
        return state
    }

    /// Writes `state` to `path` atomically (see `OutputFile`).
    public static func write(_ state: AnalysisState, to path: String) throws(OutputError) {
        try OutputFile.write(encode(state), to: path, name: "state")
    }

    /// Reads the state at `path`; every failure names the file.
    public static func read(from path: String) throws(StateFileError) -> AnalysisState {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw StateFileError("cannot read the state: \(reason)").naming(path)
        }
        do {
            return try decode([UInt8](data))
        } catch {
            throw error.naming(path)
        }
    }

    /// Printable ASCII as it is, other bytes as \xNN: what a person sees of a foreign file's start.
    static func describe(_ bytes: ArraySlice<UInt8>) -> String {
        if bytes.isEmpty { return "nothing: the file is empty" }
        let text = bytes.map { (32..<127).contains($0) ? String(UnicodeScalar($0)) : String(format: "\\x%02x", $0) }
        return "'" + text.joined() + "'"
    }
}
