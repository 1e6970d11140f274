#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What wrote a source: the native schemas or one of the presets of SPEC.md ("Input formats
/// beyond the native ones"). Each format belongs to one log family (`kind`), and its records feed
/// what that family feeds.
public enum LogFormat: String, Sendable, Codable, CaseIterable {
    /// Native inference JSON lines (SPEC.md, "Inference log").
    case native
    /// Text access logs: nginx/Apache `combined` or `common`, or the `--access-format` layout.
    case combined
    /// AWS Bedrock model-invocation logs (`schemaType` `ModelInvocationLog`).
    case bedrock
    /// LiteLLM's StandardLoggingPayload, one object per line or one pretty-printed object per file.
    case litellm
    /// SageMaker endpoint data capture (`captureData`, `eventMetadata`).
    case sagemakerCapture = "sagemaker-capture"
    /// Kong AI Gateway file-log entries with an `ai` object.
    case kongAI = "kong-ai"
    /// AWS Application Load Balancer access logs.
    case alb
    /// Google Cloud load-balancer log entries (`httpRequest`).
    case gcpLB = "gcp-lb"
    /// JSON access logs written by an nginx `log_format ... escape=json` whose keys are the nginx
    /// variable names (`remote_addr`, `request`, `status`, ...).
    case nginxJSON = "nginx-json"
    /// Any other JSON log, read through a field mapping file (`FieldMapping`) whose `kind` is
    /// `inference` or `access`. Never detected: `--input-format mapping.yaml` names it.
    case mappedInference = "mapping-inference"
    case mappedAccess = "mapping-access"

    /// The log family whose summaries this format's records feed.
    public var kind: LogKind {
        switch self {
        case .native, .bedrock, .litellm, .sagemakerCapture, .kongAI, .mappedInference: .inference
        case .combined, .alb, .gcpLB, .nginxJSON, .mappedAccess: .access
        }
    }

    /// The preset named on the command line (`--input-format NAME`), or nil. The mapped
    /// formats are not names: they come with their mapping file.
    public init?(name: String) {
        self.init(rawValue: name)
        if isMapped { return nil }
    }

    /// The names `--input-format` takes.
    public static var presetNames: [String] { allCases.filter { !$0.isMapped }.map(\.rawValue) }

    /// True for the formats read through a field mapping.
    public var isMapped: Bool { self == .mappedInference || self == .mappedAccess }

    /// The format of records read through `mapping`.
    public static func mapped(_ mapping: FieldMapping) -> LogFormat {
        mapping.kind == .access ? .mappedAccess : .mappedInference
    }
}

/// Recognises a source's format from its first bytes: the presets by their own markers, then
/// the native schemas (a JSON object is native inference, anything else an access log).
///
/// The markers are keys or values each writer always puts in a record (cited per preset in
/// `Tests/Fixtures/formats/README.md`); they are looked for in the first record only (its first
/// line, or the whole document when the file is one pretty-printed object), so detection costs
/// one bounded scan per file.
public enum LogFormatDetector {
    /// How far into a source detection looks: the first record of every preset fits in it
    /// (a Bedrock record with a long inline body may not, but its marker keys come first or
    /// last; see `firstRecord`).
    static let detectionWindow = 64 * 1024

    public static func detect(_ bytes: [UInt8]) -> LogFormat? {
        bytes.withUnsafeBytes { detect(UnsafeRawBufferPointer(rebasing: $0.prefix(detectionWindow))) }
    }

    /// The format of the record in `window`, or nil when `window` holds only blank space.
    public static func detect(_ window: UnsafeRawBufferPointer) -> LogFormat? {
        var start = 0
        while start < window.count, isSpace(window[start]) { start += 1 }
        guard start < window.count else { return nil }
        guard window[start] == UInt8(ascii: "{") else { return detectText(firstLine(window, from: start)) }
        // A JSON record: the first line, or the whole window when the object is pretty-printed
        // (its first line is a lone `{`).
        let line = firstLine(window, from: start)
        let record = line.count <= 2 ? UnsafeRawBufferPointer(rebasing: window[start...]) : line
        return detectJSON(record)
    }

    private static func detectJSON(_ record: UnsafeRawBufferPointer) -> LogFormat {
        // Bedrock: every record carries "schemaType":"ModelInvocationLog" (first or last).
        if contains(record, "\"ModelInvocationLog\"") { return .bedrock }
        // SageMaker data capture: "captureData" and "eventMetadata" on every captured record.
        if contains(record, "\"captureData\"") && contains(record, "\"eventMetadata\"") { return .sagemakerCapture }
        // LiteLLM StandardLoggingPayload: "call_type" beside "startTime" and "model_parameters".
        if contains(record, "\"call_type\"") && contains(record, "\"startTime\"") { return .litellm }
        // Kong file-log: "started_at" and "latencies", and the AI plugins' "ai" object.
        if contains(record, "\"started_at\"") && contains(record, "\"latencies\"") { return .kongAI }
        // Cloud Logging entry of a load balancer: "httpRequest" and the LB resource or payload type.
        if contains(record, "\"httpRequest\"")
            && (contains(record, "http_load_balancer") || contains(record, "LoadBalancerLogEntry")
                || contains(record, "loadbalancing"))
        {
            return .gcpLB
        }
        // nginx escape=json with the variables' own names, and no native `model`.
        if contains(record, "\"remote_addr\"") && contains(record, "\"request") && !contains(record, "\"model\"") {
            return .nginxJSON
        }
        return .native
    }

    private static func detectText(_ line: UnsafeRawBufferPointer) -> LogFormat {
        // ALB: the first field is the request type, the second an RFC 3339 time with microseconds,
        // the third the balancer id `app/NAME/ID` (AWS, "Access log entries" of ALB).
        if ALBRecordParser.isALBLine(line) { return .alb }
        // NLB TLS lines (`tls 2.0 ... net/...`) and ALB connection logs are ELB logs that are not
        // ALB access lines: the ALB parser rejects each with its own reason.
        if ALBRecordParser.elbLineKind(line) != nil { return .alb }
        return .combined
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    static func firstLine(_ window: UnsafeRawBufferPointer, from start: Int) -> UnsafeRawBufferPointer {
        var end = start
        while end < window.count, window[end] != 0x0A { end += 1 }
        var trimmed = end
        while trimmed > start, isSpace(window[trimmed - 1]) { trimmed -= 1 }
        return UnsafeRawBufferPointer(rebasing: window[start..<trimmed])
    }

    /// True when `needle` occurs in `haystack`: `memchr` for its first byte, `memcmp` for the
    /// rest (detection runs once per file, over at most `detectionWindow` bytes).
    static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
        let length = needle.utf8CodeUnitCount
        guard let base = haystack.baseAddress, length > 0, haystack.count >= length else { return false }
        let first = Int32(needle.utf8Start.pointee)
        var offset = 0
        while offset + length <= haystack.count {
            // Safe: memchr scans [offset, count - length], memcmp reads `length` bytes from a
            // hit at most count - length.
            guard let hit = memchr(base + offset, first, haystack.count - length - offset + 1) else { return false }
            let position = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(hit, needle.utf8Start, length) == 0 { return true }
            offset = position + 1
        }
        return false
    }
}
