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
    /// How the source's stamps moved in file order (set once all its chunks are joined).
    public var timeOrder: TimeOrderCheck?

    public init(path: String) {
        self.path = path
    }

    public var rejectedTotal: Int { rejected.reduce(0, +) }

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
        if timeOrder == nil { timeOrder = other.timeOrder }
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
