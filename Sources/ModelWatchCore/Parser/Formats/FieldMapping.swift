#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A field mapping (`--input-format mapping.yaml`, SPEC.md "Input formats beyond the native
/// ones"): for a JSON log in no preset's shape, where each native field sits in the record.
///
/// ```yaml
/// # an nginx `log_format ... escape=json` access log with its own key names
/// kind: access
/// fields:
///   ts: {path: time, unit: s}          # epoch seconds (bare or quoted), else RFC 3339
///   ip: client.addr                    # a dotted path into nested objects
///   client: [headers, "x-api-key"]     # a list when a key holds a dot
///   request: req                       # "GET /path HTTP/1.1", split into method and path
///   status: status                     # numbers may be written as strings ("404")
///   latency_ms: {path: rt, unit: s}    # a duration in s, ms (default), us or ns
///   user_agent: ua
/// ```
///
/// `kind` is `inference` (default; `ts` and `model` must be mapped, as in the native schema) or
/// `access` (`ts` must be). The fields are the native ones (`FieldMapping.Field`). A value is
/// coerced as the native parsers do: a number written as a string is a number, `""` and `"-"`
/// are absent, a timestamp is RFC 3339 or an epoch number in `unit` (s, ms, us, ns; without a
/// unit, seconds or milliseconds by size as in the native schema). Every mistake in the file (an
/// unknown key, with a "did you mean"; a bad unit; two fields on one path that cannot share it)
/// is a `DocumentError` naming the file, line and column.
public struct FieldMapping: Sendable, Equatable {
    /// The native fields a mapping can fill, by their native names (SPEC.md "Inference log" and
    /// "Access log": `ip` is the caller's address, `request` the request line).
    public enum Field: String, Sendable, CaseIterable {
        case timestamp = "ts"
        case requestID = "request_id"
        case model
        case modelVersion = "model_version"
        case client
        case address = "ip"
        case host
        case latency = "latency_ms"
        case status
        case features
        case prediction
        case score
        case label
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case logprobs
        case topLogprobs = "top_logprobs"
        case method
        case path
        case request
        case userAgent = "user_agent"
        case responseBytes = "bytes"
    }

    /// The unit of an epoch timestamp or a duration written as a number.
    public enum Unit: String, Sendable, CaseIterable {
        case seconds = "s"
        case milliseconds = "ms"
        case microseconds = "us"
        case nanoseconds = "ns"

        /// Milliseconds per one of this unit.
        var milliseconds: Double {
            switch self {
            case .seconds: 1000
            case .milliseconds: 1
            case .microseconds: 0.001
            case .nanoseconds: 0.000_001
            }
        }
    }

    /// One mapped field: where it is and, for times and durations, its unit.
    public struct Target: Sendable, Equatable {
        public var field: Field
        public var path: [String]
        public var unit: Unit?
    }

    /// The log family the records feed.
    public var kind: LogKind
    public var targets: [Target]
    /// Where the mapping came from, for messages.
    public var file: String

    /// Reads and checks a mapping file (YAML when it ends in `.yaml`/`.yml`, JSON otherwise).
    public static func load(path: String) throws(DocumentError) -> FieldMapping {
        try parse(StrictDocument.load(path: path), file: path)
    }

    /// Checks a document read by `StrictDocument` and builds the mapping.
    public static func parse(_ root: DocumentNode, file: String) throws(DocumentError) -> FieldMapping {
        func fail(_ message: String, at position: DocumentPosition) -> DocumentError {
            DocumentError(file: file, position: position, message: message)
        }
        func unknown(_ key: String, in place: String, known: [String], at position: DocumentPosition) -> DocumentError {
            var message = "unknown key '\(key)' in \(place)"
            if let suggestion = DocumentSchema.suggestion(for: key, among: known) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += " (known: \(known.joined(separator: ", ")))"
            }
            return fail(message, at: position)
        }
        guard case .object(let members) = root.value else {
            throw fail(
                "a field mapping must be an object with 'fields' (and 'kind'), not \(root.kindName)", at: root.position)
        }
        var kind = LogKind.inference
        var targets: [Target] = []
        var sawFields = false
        for member in members {
            switch member.key {
            case "kind":
                guard case .string(let text) = member.value.value, text == "inference" || text == "access" else {
                    throw fail("'kind' is 'inference' or 'access'", at: member.value.position)
                }
                kind = text == "access" ? .access : .inference
            case "fields":
                sawFields = true
                guard case .object(let fields) = member.value.value else {
                    throw fail(
                        "'fields' must be an object of native field: path, not \(member.value.kindName)",
                        at: member.value.position)
                }
                for entry in fields {
                    guard let field = Field(rawValue: entry.key) else {
                        throw unknown(
                            entry.key, in: "fields", known: Field.allCases.map(\.rawValue), at: entry.keyPosition)
                    }
                    targets.append(try target(field, entry.value, file: file))
                }
            default:
                throw unknown(member.key, in: "the top level", known: ["fields", "kind"], at: member.keyPosition)
            }
        }
        guard sawFields else { throw fail("a field mapping needs 'fields'", at: root.position) }
        let required: [Field] = kind == .inference ? [.timestamp, .model] : [.timestamp]
        for field in required where !targets.contains(where: { $0.field == field }) {
            throw fail("an \(kind.rawValue) mapping needs '\(field.rawValue)' in 'fields'", at: root.position)
        }
        let mapping = FieldMapping(kind: kind, targets: targets, file: file)
        if let clash = mapping.clash() {
            let position = members.first { $0.key == "fields" }?.value.position ?? root.position
            throw fail(clash, at: position)
        }
        return mapping
    }

    /// One `fields` entry: a path (`a.b` or `[a, "b.c"]`) or `{path: ..., unit: ...}`.
    private static func target(_ field: Field, _ node: DocumentNode, file: String) throws(DocumentError) -> Target {
        func fail(_ message: String, at position: DocumentPosition) -> DocumentError {
            DocumentError(file: file, position: position, message: message)
        }
        func path(_ node: DocumentNode) throws(DocumentError) -> [String] {
            var parts: [String] = []
            switch node.value {
            case .string(let text):
                parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            case .array(let items):
                for item in items {
                    guard case .string(let part) = item.value else {
                        throw fail("a path's parts are strings, not \(item.kindName)", at: item.position)
                    }
                    parts.append(part)
                }
            default:
                throw fail(
                    "'\(field.rawValue)' takes a path (\"a.b\" or [a, b]) or {path: ..., unit: ...}, not \(node.kindName)",
                    at: node.position)
            }
            guard !parts.isEmpty, !parts.contains(where: \.isEmpty) else {
                throw fail(
                    "'\(field.rawValue)': a path needs a key at every step, not '\(parts.joined(separator: "."))'",
                    at: node.position)
            }
            guard parts.count <= maximumPathLength else {
                throw fail("'\(field.rawValue)': a path of at most \(maximumPathLength) keys", at: node.position)
            }
            return parts
        }
        guard case .object(let members) = node.value else {
            return Target(field: field, path: try path(node), unit: nil)
        }
        var found: [String]?
        var unit: Unit?
        for member in members {
            switch member.key {
            case "path": found = try path(member.value)
            case "unit":
                guard field == .timestamp || field == .latency else {
                    throw fail("'unit' applies to 'ts' and 'latency_ms' only", at: member.keyPosition)
                }
                guard case .string(let text) = member.value.value, let parsed = Unit(rawValue: text) else {
                    throw fail(
                        "'unit' is one of \(Unit.allCases.map(\.rawValue).joined(separator: ", "))",
                        at: member.value.position)
                }
                unit = parsed
            default:
                var message = "unknown key '\(member.key)' in fields.\(field.rawValue)"
                if let suggestion = DocumentSchema.suggestion(for: member.key, among: ["path", "unit"]) {
                    message += "; did you mean '\(suggestion)'?"
                } else {
                    message += " (known: path, unit)"
                }
                throw fail(message, at: member.keyPosition)
            }
        }
        guard let found else { throw fail("'\(field.rawValue)' needs 'path'", at: node.position) }
        return Target(field: field, path: found, unit: unit)
    }

    /// Deepest path accepted: the walk recurses once per key.
    static let maximumPathLength = 16

    /// Why two targets cannot be read from one record, or nil: a path that is a prefix of
    /// another (one value would have to be both a scalar and an object), or `features` sharing
    /// its object with another field.
    func clash() -> String? {
        for (index, first) in targets.enumerated() {
            for second in targets[(index + 1)...] {
                if first.path == second.path {
                    if first.field == .features || second.field == .features || first.field == .request
                        || second.field == .request
                    {
                        return "'\(first.field.rawValue)' and '\(second.field.rawValue)' cannot read the same value"
                    }
                    continue
                }
                let shorter = first.path.count < second.path.count ? first : second
                let longer = first.path.count < second.path.count ? second : first
                if Array(longer.path.prefix(shorter.path.count)) == shorter.path {
                    return
                        "'\(shorter.field.rawValue)' (\(shorter.path.joined(separator: "."))) holds '\(longer.field.rawValue)' (\(longer.path.joined(separator: "."))): a value cannot be both"
                }
            }
        }
        return nil
    }
}

/// Reads one JSON record through a `FieldMapping`, with the same byte scanner and coercions as
/// the native parsers: no `String`, no allocation per line beyond the record's feature list.
///
/// The mapping is compiled into a tree of keys: the walk enters only the objects on a mapped
/// path and skips everything else, so a record costs one pass over its bytes.
/// - Complexity: O(n) in the line length, times the (few) keys mapped at each level.
public struct FieldMappingParser: Sendable {
    /// One level of the compiled key tree.
    struct Node: Sendable {
        /// Mapped keys at this level and the node each leads to.
        var keys: [[UInt8]] = []
        var children: [Int] = []
        /// The fields read from the value at this node (empty for an inner node).
        var fields: [FieldMapping.Field] = []
        var unit: FieldMapping.Unit?
    }

    public let mapping: FieldMapping
    let nodes: [Node]
    public var maximumDepth = 64

    public init(_ mapping: FieldMapping) {
        self.mapping = mapping
        var nodes = [Node()]
        for target in mapping.targets {
            var current = 0
            for part in target.path {
                let key = Array(part.utf8)
                if let found = nodes[current].keys.firstIndex(of: key) {
                    current = nodes[current].children[found]
                } else {
                    nodes.append(Node())
                    nodes[current].keys.append(key)
                    nodes[current].children.append(nodes.count - 1)
                    current = nodes.count - 1
                }
            }
            nodes[current].fields.append(target.field)
            if let unit = target.unit { nodes[current].unit = unit }
        }
        self.nodes = nodes
    }

    public func parse(_ line: UnsafeMutableRawBufferPointer, into record: inout ParsedRecord) throws(LineRejection) {
        record.reset(kind: mapping.kind)
        var scanner = JSONByteScanner(line, maximumDepth: maximumDepth)
        var sawTimestamp = false
        if try scanner.enterRecord() { try walk(0, depth: 1, &scanner, &record, &sawTimestamp) }
        try scanner.finishRecord()
        guard sawTimestamp else { throw LineRejection(.missingTimestamp, at: 0) }
        if mapping.kind == .inference {
            guard !record.model.isAbsent, record.model.count > 0 else { throw LineRejection(.missingModel, at: 0) }
        }
    }

    /// Walks the members of the object the scanner is inside, as node `index` of the tree.
    private func walk(
        _ index: Int, depth: Int, _ scanner: inout JSONByteScanner, _ record: inout ParsedRecord,
        _ sawTimestamp: inout Bool
    ) throws(LineRejection) {
        let node = nodes[index]
        repeat {
            let key = try scanner.readKey()
            guard let found = Self.position(of: key, in: node.keys) else {
                try scanner.skipValue(depth: depth)
                continue
            }
            let child = nodes[node.children[found]]
            if child.fields.isEmpty {
                if try scanner.enterObject(depth: depth + 1) {
                    try walk(node.children[found], depth: depth + 1, &scanner, &record, &sawTimestamp)
                }
            } else if child.fields[0] == .features {
                try readFeatures(depth: depth, &scanner, &record)
            } else {
                try read(child, depth: depth, &scanner, &record, &sawTimestamp)
            }
        } while try !scanner.endOfObject()
    }

    @inline(__always)
    static func position(of key: UnsafeRawBufferPointer, in keys: [[UInt8]]) -> Int? {
        for (index, candidate) in keys.enumerated() where candidate.count == key.count {
            let same = candidate.withUnsafeBytes { stored in
                // Safe: both buffers hold `key.count` bytes (checked above).
                key.count == 0 || memcmp(stored.baseAddress!, key.baseAddress!, key.count) == 0
            }
            if same { return index }
        }
        return nil
    }

    /// Reads the scalar at a leaf and stores it in each of the leaf's fields.
    private func read(
        _ node: Node, depth: Int, _ scanner: inout JSONByteScanner, _ record: inout ParsedRecord,
        _ sawTimestamp: inout Bool
    ) throws(LineRejection) {
        let start = scanner.valueStart()
        let scalar = try scanner.readScalarOrSkip(depth: depth)
        // A number's own text, for fields kept as text (a version written `3`).
        let text: ByteSpan
        var number = Double.nan
        var flag: Bool?
        switch scalar {
        case .string(let span):
            text = NginxJSONRecordParser.present(span, scanner)
            if text.count > 0, let value = AccessLogParser.decimal(scanner.slice(text)) { number = value }
            if text.count > 0, scanner.slice(text).equals("true") { flag = true }
            if text.count > 0, scanner.slice(text).equals("false") { flag = false }
        case .number(let value):
            text = ByteSpan(withinCheckedLine: start, count: scanner.index - start)
            number = value
        case .bool(let value):
            text = .absent
            flag = value
        case .null, .skipped:
            text = .absent
        }
        for field in node.fields {
            switch field {
            case .timestamp:
                if case .string = scalar, number.isNaN,
                    let millis = TimestampParser.parseRFC3339(scanner.slice(text))
                        ?? TimestampParser.parseCommonLogTime(scanner.slice(text))
                {
                    record.timestampMillis = millis
                } else if let millis = Self.epochMillis(number, unit: node.unit) {
                    record.timestampMillis = millis
                } else {
                    throw LineRejection(.badTimestamp, at: start)
                }
                sawTimestamp = true
            case .requestID: record.requestID = text
            case .model: record.model = text
            case .modelVersion: record.modelVersion = text
            case .client: record.client = text
            case .address: record.address = text
            case .host: record.host = text
            case .method: record.method = text
            case .path: record.path = text
            case .userAgent: record.userAgent = text
            case .request: splitRequest(text, scanner, &record)
            case .latency:
                if number.isFinite { record.latencyMillis = number * (node.unit ?? .milliseconds).milliseconds }
            case .status: if number.isFinite { record.status = Int32(clampingNumber: number) }
            case .promptTokens: if number.isFinite { record.promptTokens = Int32(clampingNumber: number) }
            case .completionTokens: if number.isFinite { record.completionTokens = Int32(clampingNumber: number) }
            case .responseBytes:
                if number.isFinite && number >= 0 { record.responseBytes = Int64(clampingNumber: number) }
            case .score: if number.isFinite { record.score = number }
            case .prediction:
                if case .number(let value) = scalar {
                    record.predictionNumber = value
                } else {
                    record.prediction = text
                }
            case .label:
                if case .number(let value) = scalar { record.labelNumber = value } else { record.label = text }
            case .logprobs: if let flag { record.asksLogprobs = flag }
            case .topLogprobs:
                if number.isFinite {
                    record.topLogprobs = Int32(clampingNumber: number)
                    if number > 0 { record.asksLogprobs = true }
                }
            case .features: break  // read by `readFeatures`: a features path holds nothing else
            }
        }
    }

    /// An epoch number in `unit` as UTC milliseconds; without a unit, seconds or milliseconds
    /// by size (`TimestampParser.millisFromEpochNumber`, the native rule). Nil outside year
    /// 1970 to 5138, as the native rule.
    static func epochMillis(_ value: Double, unit: FieldMapping.Unit?) -> Int64? {
        guard value.isFinite else { return nil }
        guard let unit else { return TimestampParser.millisFromEpochNumber(value) }
        let millis = value * unit.milliseconds
        guard millis >= 0, millis < 1e14 else { return nil }
        return Int64(millis.rounded())
    }

    /// The object at a `features` path: its scalar members are the record's features, as in the
    /// native schema's `features`.
    private func readFeatures(
        depth: Int, _ scanner: inout JSONByteScanner, _ record: inout ParsedRecord
    ) throws(LineRejection) {
        guard try scanner.enterObject(depth: depth + 1) else { return }
        repeat {
            let name = try scanner.readString()
            try scanner.expect(UInt8(ascii: ":"))
            let value: FeatureValue
            switch try scanner.readScalarOrSkip(depth: depth + 2) {
            case .string(let span): value = .string(span)
            case .number(let number): value = .number(number)
            case .bool(let flag): value = .bool(flag)
            case .null, .skipped: value = .null
            }
            record.features.append((name, value))
        } while try !scanner.endOfObject()
    }

    /// `GET /path?q HTTP/1.1` → method and path.
    private func splitRequest(_ span: ByteSpan, _ scanner: JSONByteScanner, _ record: inout ParsedRecord) {
        guard span.count > 0 else { return }
        let text = scanner.slice(span)
        guard let firstSpace = text.firstIndex(of: 0x20) else {
            record.path = span
            return
        }
        record.method = span.prefix(firstSpace)
        let rest = span.dropping(first: firstSpace + 1)
        let restText = scanner.slice(rest)
        let end = restText.firstIndex(of: 0x20) ?? restText.count
        if end > 0 { record.path = rest.prefix(end) }
    }
}
