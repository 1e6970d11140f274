/// How a source's bytes were stored.
public enum Compression: String, Sendable, Codable {
    case plain
    case gzip
}

/// The accounting of one input: every line read is parsed or rejected with a reason, and what a
/// damaged archive lost is counted in compressed bytes.
public struct SourceStatistics: Sendable, Equatable {
    /// The path as given on the command line (or found by the directory walk); `-` for stdin.
    public var path: String
    public var kind: LogKind = .unknown
    /// The format the source was read as (detected or forced); nil before any byte was read.
    public var format: LogFormat?
    public var compression: Compression = .plain
    /// Bytes read from the file (compressed, when gzip).
    public var bytesRead: Int64 = 0
    /// Bytes after decompression.
    public var bytesDecoded: Int64 = 0
    /// Gzip members decoded.
    public var gzipMembers = 0
    /// How the gzip stream ended; nil for plain input.
    public var gzipEnding: GzipMemberReader.Ending?
    /// Compressed offset where decoding stopped, for a damaged archive.
    public var damageOffset: Int64?
    /// Compressed bytes that could not be decoded (truncated, corrupt or trailing garbage).
    public var lostCompressedBytes: Int64 = 0
    /// Set when the file could not be read at all.
    public var readError: String?
    public var lines = 0
    public var parsed = 0
    /// Rejected lines by reason (`RejectReason.rawValue` indexes).
    public var rejected = [Int](repeating: 0, count: RejectReason.allCases.count)
    /// The first rejected line: the decoded byte offset where it starts and the reason, for a
    /// message a person can act on.
    public var firstRejection: (offset: Int64, reason: RejectReason)?
    public var firstMillis: Int64 = .max
    public var lastMillis: Int64 = .min
    /// Records stamped later than the run's clock allows (see `AnalysisOptions.futureLimitMillis`),
    /// and the latest such stamp.
    public var futureRecords = 0
    public var latestFutureMillis: Int64 = .min
    /// Records `live` read after the window they belong to had closed on this source's clock:
    /// they still feed the state, and are counted here so none is silently dropped.
    public var lateRecords = 0
    /// How the source's stamps moved in file order (set once all its chunks are joined).
    public var timeOrder: TimeOrderCheck?

    public init(path: String) {
        self.path = path
    }

    public var rejectedTotal: Int { rejected.reduce(0, +) }

    /// Decoded bytes per compressed byte read (1 for plain text); nil before anything was read.
    public var compressionRatio: Double? {
        bytesRead > 0 ? Double(bytesDecoded) / Double(bytesRead) : nil
    }

    /// A ratio past which a source is called out as a possible decompression bomb. Text logs
    /// compress 5 to 20 times with gzip (30 or so for very repetitive ones); deflate cannot
    /// exceed about 1032:1 (RFC 1951's longest match, 258 bytes, in a code of about 2 bits),
    /// which only long runs of one byte reach. 200 is far past any log and far below a bomb.
    public static let extremeCompressionRatio = 200.0

    /// Why the source is skipped as not a log, or nil for a log: read whole (no read error, no
    /// damaged archive), it had lines and not one of them parsed as the kind its content
    /// suggested (a JSON manifest or a README beside the logs). Its lines stay counted under
    /// their reject reasons; it is not an integrity incident (SPEC.md: kind `skipped`), whereas
    /// a log that turns to garbage part-way has parsed records and is one.
    public var skipReason: String? {
        guard readError == nil, gzipEnding == nil || gzipEnding == .complete, parsed == 0, damagedLines > 0
        else { return nil }
        let first = firstRejection.map { ", the first at byte \($0.offset): \($0.reason.name)" } ?? ""
        return
            "not a log: none of its \(lines) lines parses as an inference or access log record (\(damagedLines) rejected\(first))"
    }

    /// The kind a person reads: `skipped` for a file that is not a log, else the detected kind.
    public var reportedKind: String { skipReason == nil ? kind.rawValue : "skipped" }
    /// Rejected lines that indicate damage (blank lines excluded).
    public var damagedLines: Int {
        RejectReason.allCases.reduce(0) { $0 + ($1.countsAsDamage ? rejected[$1.rawValue] : 0) }
    }

    mutating func reject(_ reason: RejectReason, at offset: Int64) {
        rejected[reason.rawValue] += 1
        if reason.countsAsDamage, firstRejection == nil || offset < firstRejection!.offset {
            firstRejection = (offset, reason)
        }
    }

    /// Adds another worker's counts for the same source. The reader-side facts (bytes, gzip
    /// ending) are set by exactly one reader, so the non-default side wins.
    public mutating func merge(_ other: SourceStatistics) {
        if kind == .unknown { kind = other.kind }
        if format == nil { format = other.format }
        if other.compression == .gzip { compression = .gzip }
        bytesRead += other.bytesRead
        bytesDecoded += other.bytesDecoded
        gzipMembers += other.gzipMembers
        if gzipEnding == nil { gzipEnding = other.gzipEnding }
        if damageOffset == nil { damageOffset = other.damageOffset }
        lostCompressedBytes += other.lostCompressedBytes
        if readError == nil { readError = other.readError }
        lines += other.lines
        parsed += other.parsed
        for index in rejected.indices { rejected[index] += other.rejected[index] }
        if let theirs = other.firstRejection, firstRejection == nil || theirs.offset < firstRejection!.offset {
            firstRejection = theirs
        }
        firstMillis = min(firstMillis, other.firstMillis)
        lastMillis = max(lastMillis, other.lastMillis)
        futureRecords += other.futureRecords
        latestFutureMillis = max(latestFutureMillis, other.latestFutureMillis)
        lateRecords += other.lateRecords
        if timeOrder == nil { timeOrder = other.timeOrder }
    }

    /// The SageMaker endpoint a data-capture file belongs to, from the layout SageMaker writes
    /// (`PREFIX/ENDPOINT/VARIANT/yyyy/mm/dd/hh/FILE.jsonl`, SageMaker developer guide, "View
    /// collected data"); a file outside that layout is named by its folder, or its own name.
    public static func sageMakerEndpoint(of path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.count >= 7 {
            let dated = parts[(parts.count - 5)..<(parts.count - 1)]
            if dated.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) { return parts[parts.count - 7] }
        }
        if parts.count >= 2 { return parts[parts.count - 2] }
        return parts.last ?? path
    }

    /// The rotation series a log file belongs to: its folder and the name up to the first dot,
    /// so `gw/access.log`, `gw/access.log.1` and `gw/access.log.2.gz` are one series `gw/access`.
    public static func seriesName(of path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let nameStart = slash.map { path.index(after: $0) } ?? path.startIndex
        let name = path[nameStart...]
        let stem = name.firstIndex(of: ".").map { name[..<$0] } ?? name
        let folder = slash.map { String(path[..<$0]) + "/" } ?? ""
        return folder + (stem.isEmpty ? String(name) : String(stem))
    }

    public static func == (lhs: SourceStatistics, rhs: SourceStatistics) -> Bool {
        lhs.path == rhs.path && lhs.lines == rhs.lines && lhs.parsed == rhs.parsed && lhs.rejected == rhs.rejected
            && lhs.bytesRead == rhs.bytesRead && lhs.bytesDecoded == rhs.bytesDecoded
            && lhs.firstRejection?.offset == rhs.firstRejection?.offset && lhs.gzipEnding == rhs.gzipEnding
    }
}

extension Compression: StateCodable {
    public func encode(to writer: inout StateWriter) { writer.write(rawValue) }
    public init(from reader: inout StateReader) throws(StateFileError) {
        let name = try reader.readString()
        guard let value = Compression(rawValue: name) else { throw reader.corrupt("unknown compression '\(name)'") }
        self = value
    }
}

extension LogKind: StateCodable {
    public func encode(to writer: inout StateWriter) { writer.write(rawValue) }
    public init(from reader: inout StateReader) throws(StateFileError) {
        let name = try reader.readString()
        guard let value = LogKind(rawValue: name) else { throw reader.corrupt("unknown log kind '\(name)'") }
        self = value
    }
}

extension LogFormat: StateCodable {
    public func encode(to writer: inout StateWriter) { writer.write(rawValue) }
    public init(from reader: inout StateReader) throws(StateFileError) {
        let name = try reader.readString()
        guard let value = LogFormat(rawValue: name) else { throw reader.corrupt("unknown log format '\(name)'") }
        self = value
    }
}

extension RejectReason: StateCodable {
    public func encode(to writer: inout StateWriter) { writer.write(rawValue) }
    public init(from reader: inout StateReader) throws(StateFileError) {
        let raw = try reader.readInt()
        guard let value = RejectReason(rawValue: raw) else { throw reader.corrupt("unknown reject reason \(raw)") }
        self = value
    }
}

extension GzipMemberReader.Ending: StateCodable {
    public func encode(to writer: inout StateWriter) {
        switch self {
        case .complete: writer.write(UInt8(0))
        case .truncated: writer.write(UInt8(1))
        case .corrupt(let error):
            writer.write(UInt8(2))
            writer.write(error.code)
            writer.write(error.zlibMessage)
        case .trailingGarbage: writer.write(UInt8(3))
        }
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        switch try reader.readUInt8() {
        case 0: self = .complete
        case 1: self = .truncated
        case 2: self = .corrupt(ZlibError(code: try reader.readInt32(), zlibMessage: try reader.read(String?.self)))
        case 3: self = .trailingGarbage
        case let other: throw reader.corrupt("unknown gzip ending \(other)")
        }
    }
}

extension SourceStatistics: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(path)
        writer.write(kind)
        writer.write(compression)
        writer.write(bytesRead)
        writer.write(bytesDecoded)
        writer.write(gzipMembers)
        writer.write(gzipEnding)
        writer.write(damageOffset)
        writer.write(lostCompressedBytes)
        writer.write(readError)
        writer.write(lines)
        writer.write(parsed)
        writer.write(rejected)
        writer.write(firstRejection != nil)
        if let firstRejection {
            writer.write(firstRejection.offset)
            writer.write(firstRejection.reason)
        }
        writer.write(firstMillis)
        writer.write(lastMillis)
        writer.write(futureRecords)
        writer.write(latestFutureMillis)
        writer.write(timeOrder)
        writer.write(format)
        writer.write(lateRecords)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(path: try reader.readString())
        kind = try reader.read()
        compression = try reader.read()
        bytesRead = try reader.readInt64()
        bytesDecoded = try reader.readInt64()
        gzipMembers = try reader.readCount()
        gzipEnding = try reader.read()
        damageOffset = try reader.read()
        lostCompressedBytes = try reader.readInt64()
        readError = try reader.read()
        lines = try reader.readCount()
        parsed = try reader.readCount()
        rejected = try reader.readCounts(exactly: RejectReason.allCases.count, what: "reject reasons")
        if try reader.readBool() {
            firstRejection = (try reader.readInt64(), try reader.read(RejectReason.self))
        }
        firstMillis = try reader.readMillis()
        lastMillis = try reader.readMillis()
        futureRecords = try reader.readCount()
        latestFutureMillis = try reader.readMillis()
        timeOrder = try reader.read()
        format = try reader.read()
        lateRecords = try reader.readCount()
    }
}
