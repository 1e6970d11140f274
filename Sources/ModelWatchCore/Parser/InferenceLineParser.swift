#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Parses one native inference JSON line (SPEC.md, "Inference log") into a `ParsedRecord`
/// with a byte-level scanner: no `String`, no Foundation, no allocation per line.
///
/// Strings with escapes are decoded in place (an escape is never shorter than what it decodes
/// to, so the decoded bytes fit where the escaped ones were); spans point at the decoded bytes.
/// Unknown fields are skipped, nested to at most `maximumDepth` levels.
///
/// ```swift
/// var record = ParsedRecord()
/// try line.withUnsafeMutableBytes { try InferenceLineParser().parse($0, into: &record) }
/// ```
/// - Complexity: O(n) in the line length.
public struct InferenceLineParser: Sendable {
    /// Deepest nesting of arrays and objects accepted inside a record.
    public var maximumDepth = 64

    public init() {}

    public func parse(_ line: UnsafeMutableRawBufferPointer, into record: inout ParsedRecord) throws(LineRejection) {
        record.reset(kind: .inference)
        var scanner = JSONByteScanner(line, maximumDepth: maximumDepth)
        scanner.skipWhitespace()
        guard scanner.peek() == UInt8(ascii: "{") else { throw LineRejection(.notJSONObject, at: scanner.index) }
        scanner.index += 1
        var sawTimestamp = false
        if !scanner.consumeIfPresent(UInt8(ascii: "}")) {
            repeat {
                let key = try scanner.readString()
                try scanner.expect(UInt8(ascii: ":"))
                if try readField(key, &scanner, &record) { sawTimestamp = true }
            } while try scanner.nextMember(closing: UInt8(ascii: "}"))
        }
        scanner.skipWhitespace()
        guard scanner.atEnd else { throw LineRejection(.malformedJSON, at: scanner.index) }
        guard sawTimestamp else { throw LineRejection(.missingTimestamp, at: 0) }
        guard !record.model.isAbsent, record.model.count > 0 else { throw LineRejection(.missingModel, at: 0) }
    }

    /// Reads the value of one top-level field; returns true when it was a valid `ts`.
    private func readField(
        _ key: ByteSpan, _ scanner: inout JSONByteScanner, _ record: inout ParsedRecord
    ) throws(LineRejection) -> Bool {
        switch InferenceField(key, in: scanner.bytes) {
        case .timestamp:
            let valueStart = scanner.index
            switch try scanner.readScalar() {
            case .string(let span):
                guard let millis = TimestampParser.parseRFC3339(scanner.slice(span)) else {
                    throw LineRejection(.badTimestamp, at: valueStart)
                }
                record.timestampMillis = millis
            case .number(let value):
                guard let millis = TimestampParser.millisFromEpochNumber(value) else {
                    throw LineRejection(.badTimestamp, at: valueStart)
                }
                record.timestampMillis = millis
            default:
                throw LineRejection(.badTimestamp, at: valueStart)
            }
            return true
        case .requestID: record.requestID = try scanner.readOptionalString()
        case .model: record.model = try scanner.readOptionalString()
        case .modelVersion: record.modelVersion = try scanner.readOptionalStringOrNumber()
        case .client: record.client = try scanner.readOptionalString()
        case .address: record.address = try scanner.readOptionalString()
        case .host: record.host = try scanner.readOptionalString()
        case .latency: record.latencyMillis = try scanner.readOptionalNumber()
        case .status:
            let value = try scanner.readOptionalNumber()
            if value.isFinite { record.status = Int32(clampingNumber: value) }
        case .promptTokens:
            let value = try scanner.readOptionalNumber()
            if value.isFinite { record.promptTokens = Int32(clampingNumber: value) }
        case .completionTokens:
            let value = try scanner.readOptionalNumber()
            if value.isFinite { record.completionTokens = Int32(clampingNumber: value) }
        case .score: record.score = try scanner.readOptionalNumber()
        case .prediction:
            switch try scanner.readScalarOrSkip() {
            case .string(let span): record.prediction = span
            case .number(let value): record.predictionNumber = value
            default: break
            }
        case .label:
            switch try scanner.readScalarOrSkip() {
            case .string(let span): record.label = span
            case .number(let value): record.labelNumber = value
            default: break
            }
        case .logprobs:
            if case .bool(let value) = try scanner.readScalarOrSkip() { record.asksLogprobs = value }
        case .topLogprobs:
            let value = try scanner.readOptionalNumber()
            if value.isFinite {
                record.topLogprobs = Int32(clampingNumber: value)
                if value > 0 { record.asksLogprobs = true }
            }
        case .features:
            try readFeatures(&scanner, &record)
        case .unknown:
            try scanner.skipValue(depth: 1)
        }
        return false
    }

    private func readFeatures(_ scanner: inout JSONByteScanner, _ record: inout ParsedRecord) throws(LineRejection) {
        scanner.skipWhitespace()
        guard scanner.peek() == UInt8(ascii: "{") else {
            // `features: null` or another type: nothing to profile, but keep the line.
            try scanner.skipValue(depth: 1)
            return
        }
        scanner.index += 1
        if scanner.consumeIfPresent(UInt8(ascii: "}")) { return }
        repeat {
            let name = try scanner.readString()
            try scanner.expect(UInt8(ascii: ":"))
            let value: FeatureValue
            switch try scanner.readScalarOrSkip(depth: 2) {
            case .string(let span): value = .string(span)
            case .number(let number): value = .number(number)
            case .bool(let flag): value = .bool(flag)
            case .null, .skipped: value = .null
            }
            record.features.append((name, value))
        } while try scanner.nextMember(closing: UInt8(ascii: "}"))
    }
}

/// The top-level fields of the native schema, recognised from the key's bytes.
enum InferenceField {
    case timestamp, requestID, model, modelVersion, client, address, host, latency, status
    case features, prediction, score, label, promptTokens, completionTokens, logprobs, topLogprobs
    case unknown

    /// Classifies the key `key` names in `bytes`. Every key of every line passes here, so it
    /// skips the bounds check of `ByteSpan.bytes(in:)` (issue 9 measured it at +17 M instructions
    /// on 30 MB): `key` comes from `JSONByteScanner.readString` on these very bytes, so it lies
    /// inside them by construction; debug builds still assert it.
    init(_ key: ByteSpan, in bytes: UnsafeMutableRawBufferPointer) {
        assert(key.count < 0 || (key.start >= 0 && Int(key.start) + Int(key.count) <= bytes.count))
        guard key.count >= 2, let base = bytes.baseAddress else {
            self = .unknown
            return
        }
        // Safe: inside `bytes`, as asserted above.
        let text = UnsafeRawBufferPointer(start: base + Int(key.start), count: Int(key.count))
        @inline(__always) func equals(_ literal: StaticString) -> Bool { text.equals(literal) }
        switch text[0] {
        case UInt8(ascii: "t"):
            self = equals("ts") ? .timestamp : equals("top_logprobs") ? .topLogprobs : .unknown
        case UInt8(ascii: "r"): self = equals("request_id") ? .requestID : .unknown
        case UInt8(ascii: "m"):
            self = equals("model") ? .model : equals("model_version") ? .modelVersion : .unknown
        case UInt8(ascii: "c"):
            self = equals("client") ? .client : equals("completion_tokens") ? .completionTokens : .unknown
        case UInt8(ascii: "i"): self = equals("ip") ? .address : .unknown
        case UInt8(ascii: "h"): self = equals("host") ? .host : .unknown
        case UInt8(ascii: "l"):
            self =
                equals("latency_ms") ? .latency : equals("label") ? .label : equals("logprobs") ? .logprobs : .unknown
        case UInt8(ascii: "s"):
            self = equals("status") ? .status : equals("score") ? .score : .unknown
        case UInt8(ascii: "f"): self = equals("features") ? .features : .unknown
        case UInt8(ascii: "p"):
            self = equals("prediction") ? .prediction : equals("prompt_tokens") ? .promptTokens : .unknown
        default: self = .unknown
        }
    }
}
