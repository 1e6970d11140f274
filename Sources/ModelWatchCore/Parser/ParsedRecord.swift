/// A range of bytes inside the line being parsed: valid only until the next line.
///
/// Parsers hand out spans instead of `String`s so that nothing is allocated per line; the
/// aggregator turns the few spans that must outlive the line into symbols. Offsets are 32-bit
/// (a record's dozen spans stay small), which is why a line may be at most
/// `ByteSpan.maximumLineLength` bytes: `AnalysisOptions.maximumLineCap` keeps every line the
/// parsers see below it, and constructing a span that does not fit stops the program instead of
/// silently wrapping to a wrong offset.
public struct ByteSpan: Equatable, Sendable {
    public var start: Int32
    public var count: Int32
    public static let absent = ByteSpan(start: 0, count: -1)
    /// The longest line whose every offset a span can hold.
    public static let maximumLineLength = Int(Int32.max)

    /// A span of `count` bytes from `start`; both must fit in 32 bits (a line is at most
    /// `maximumLineLength` bytes), else the program stops: a wrapped offset would point at other
    /// bytes of the line.
    public init(start: Int, count: Int) {
        self.start = Int32(start)
        self.count = Int32(count)
    }

    /// A span a parser builds inside a line whose length it checked once against
    /// `maximumLineLength` (`JSONByteScanner.init`, `AccessLogParser.parse`): every offset inside
    /// such a line fits 32 bits by construction, so the hot path skips the per-span check of
    /// `init(start:count:)` (debug builds still assert it).
    @inline(__always)
    init(withinCheckedLine start: Int, count: Int) {
        assert(start >= 0 && start <= Self.maximumLineLength && count <= Self.maximumLineLength)
        self.start = Int32(truncatingIfNeeded: start)
        self.count = Int32(truncatingIfNeeded: count)
    }

    init(start: Int32, count: Int32) {
        self.start = start
        self.count = count
    }

    /// A field written as absent (missing, JSON `null`, or nginx's `-`).
    public var isAbsent: Bool { count < 0 }

    /// The bytes this span names in `line` (empty for an absent span). Bounds-checked in every
    /// build: a span reaching outside `line` is a parser bug, and stopping is better than
    /// reading the memory next to the line.
    ///
    /// Complexity: O(1); two comparisons.
    @inline(__always)
    public func bytes(in line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let range = checkedRange(within: line.count)
        // Safe: `range` lies inside `line` (checked above).
        return UnsafeRawBufferPointer(rebasing: line[range])
    }

    /// The bytes this span names in a line parsed in place (empty for an absent span).
    @inline(__always)
    public func bytes(in line: UnsafeMutableRawBufferPointer) -> UnsafeMutableRawBufferPointer {
        let range = checkedRange(within: line.count)
        // Safe: `range` lies inside `line` (checked above).
        return UnsafeMutableRawBufferPointer(rebasing: line[range])
    }

    /// The span's offsets as a range inside a line of `lineCount` bytes; stops the program when
    /// the span reaches outside it.
    @inline(__always)
    func checkedRange(within lineCount: Int) -> Range<Int> {
        let lower = Int(start)
        let upper = lower + Int(max(0, count))
        precondition(lower >= 0 && upper <= lineCount, "byte span outside its line")
        return lower..<upper
    }
}

/// Which of the two log families a source holds, detected from its content.
public enum LogKind: String, Sendable, Codable {
    case inference
    case access
    case unknown
}

/// Why a line was not turned into a record. Every line read is parsed or counted under one of
/// these, so the counts of a source always add up.
public enum RejectReason: Int, CaseIterable, Sendable, Codable {
    case blankLine
    case lineTooLong
    case notJSONObject
    case malformedJSON
    case nestingTooDeep
    case missingTimestamp
    case badTimestamp
    case missingModel
    case formatMismatch
    case badStatus
    /// An AWS Network Load Balancer TLS log line (`tls 2.0 ... net/...`) among ALB logs.
    case nlbLine
    /// An AWS ALB connection-log line (TLS handshakes, no request) among ALB access logs.
    case albConnectionLine
    /// A SageMaker Model Monitor ground-truth record (`groundTruthData`): its label is not yet
    /// joined to the captured request it names.
    case groundTruthNotJoined

    /// Lowercase, stable name used in summaries and event evidence.
    public var name: String {
        switch self {
        case .blankLine: "blank line"
        case .lineTooLong: "line too long"
        case .notJSONObject: "not a JSON object"
        case .malformedJSON: "malformed JSON"
        case .nestingTooDeep: "JSON nested too deep"
        case .missingTimestamp: "missing timestamp"
        case .badTimestamp: "unreadable timestamp"
        case .missingModel: "missing model"
        case .formatMismatch: "does not match the access-log format"
        case .badStatus: "unreadable status"
        case .nlbLine: "NLB TLS log line, not an ALB access line"
        case .albConnectionLine: "ALB connection log line, not an ALB access line"
        case .groundTruthNotJoined: "SageMaker ground-truth record (labels are not joined yet)"
        }
    }

    /// Blank lines are not damage: they do not count toward a source's reject share; nor are
    /// intact records of another log that shares the file's format family (NLB and connection
    /// lines beside ALB access lines, ground-truth records beside captures).
    public var countsAsDamage: Bool {
        switch self {
        case .blankLine, .nlbLine, .albConnectionLine, .groundTruthNotJoined: false
        default: true
        }
    }
}

/// A line that could not be parsed: the reason and the byte offset, within the line, where the
/// parser gave up.
public struct LineRejection: Error, Equatable {
    public var reason: RejectReason
    public var offsetInLine: Int

    public init(_ reason: RejectReason, at offsetInLine: Int) {
        self.reason = reason
        self.offsetInLine = offsetInLine
    }
}

/// One typed value of an inference record's `features` object.
public enum FeatureValue: Equatable, Sendable {
    case number(Double)
    case string(ByteSpan)
    case bool(Bool)
    case null
}

/// The fields of one inference or access-log line that the pipeline aggregates.
///
/// Numbers are decoded; text fields are spans into the line. A parser reuses one value for every
/// line (`reset()`), so the feature list keeps its capacity and parsing allocates nothing.
public struct ParsedRecord {
    public var kind: LogKind = .unknown
    /// Event time in milliseconds since 1970-01-01T00:00:00Z (UTC, after the line's own offset).
    public var timestampMillis: Int64 = 0
    public var model = ByteSpan.absent
    public var modelVersion = ByteSpan.absent
    public var client = ByteSpan.absent
    public var address = ByteSpan.absent
    public var host = ByteSpan.absent
    public var requestID = ByteSpan.absent
    /// Latency in milliseconds, NaN when absent.
    public var latencyMillis: Double = .nan
    /// HTTP-style status, -1 when absent.
    public var status: Int32 = -1
    public var promptTokens: Int32 = -1
    public var completionTokens: Int32 = -1
    public var prediction = ByteSpan.absent
    public var predictionNumber: Double = .nan
    public var score: Double = .nan
    public var label = ByteSpan.absent
    public var labelNumber: Double = .nan
    public var asksLogprobs = false
    public var topLogprobs: Int32 = -1
    /// The record names no model; the model is its source's (a SageMaker capture file's
    /// endpoint, from its S3 path).
    public var modelFromSource = false
    /// Feature names (spans) and values, in line order.
    public var features: [(name: ByteSpan, value: FeatureValue)] = []
    // Access-log fields.
    public var method = ByteSpan.absent
    public var path = ByteSpan.absent
    public var userAgent = ByteSpan.absent
    public var responseBytes: Int64 = -1

    public init() {
        features.reserveCapacity(32)
    }

    /// Clears the record for the next line, keeping the feature list's storage.
    public mutating func reset(kind: LogKind) {
        self.kind = kind
        timestampMillis = 0
        model = .absent
        modelVersion = .absent
        client = .absent
        address = .absent
        host = .absent
        requestID = .absent
        latencyMillis = .nan
        status = -1
        promptTokens = -1
        completionTokens = -1
        prediction = .absent
        predictionNumber = .nan
        score = .nan
        label = .absent
        labelNumber = .nan
        asksLogprobs = false
        topLogprobs = -1
        modelFromSource = false
        features.removeAll(keepingCapacity: true)
        method = .absent
        path = .absent
        userAgent = .absent
        responseBytes = -1
    }
}
