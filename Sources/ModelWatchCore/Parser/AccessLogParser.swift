/// Parses access-log lines written by an nginx `log_format` (default: `combined`, falling back to
/// `common`) into a `ParsedRecord`, byte by byte.
///
/// Each variable's value runs to the first byte of the literal text after it (a quote-delimited
/// value skips `\"`, as Apache escapes it); a last variable runs to the next space. Whatever
/// follows the format as ` name=value` pairs is read as extra fields: `rid`/`request_id`,
/// `rt`/`request_time`, `key`/`api_key`, `model`, `host`. A value written `-` is absent.
public struct AccessLogParser: Sendable {
    public let formats: [AccessLogFormat]

    /// - Parameter format: a custom format; nil reads `combined`, then `common`.
    public init(format: AccessLogFormat? = nil) {
        formats = format.map { [$0] } ?? [.combined, .common]
    }

    public func parse(_ line: UnsafeMutableRawBufferPointer, into record: inout ParsedRecord) throws(LineRejection) {
        // Once per line: every span made below then fits 32 bits (`ByteSpan`).
        precondition(line.count <= ByteSpan.maximumLineLength, "line longer than a byte span can address")
        var furthest = 0
        for format in formats {
            record.reset(kind: .access)
            switch match(format, UnsafeRawBufferPointer(line), &record) {
            case .success: return
            case .failure(let rejection):
                if rejection.reason != .formatMismatch { throw rejection }
                furthest = max(furthest, rejection.offsetInLine)
            }
        }
        throw LineRejection(.formatMismatch, at: furthest)
    }

    private func match(
        _ format: AccessLogFormat, _ line: UnsafeRawBufferPointer, _ record: inout ParsedRecord
    ) -> Result<Void, LineRejection> {
        var index = 0
        var sawTime = false
        var forwardedFor = ByteSpan.absent
        var user = ByteSpan.absent
        let tokens = format.tokens
        for tokenIndex in tokens.indices {
            switch tokens[tokenIndex] {
            case .literal(let literal):
                guard index + literal.count <= line.count else {
                    return .failure(LineRejection(.formatMismatch, at: index))
                }
                for offset in 0..<literal.count where line[index + offset] != literal[offset] {
                    return .failure(LineRejection(.formatMismatch, at: index + offset))
                }
                index += literal.count
            case .variable(_, let role):
                let start = index
                if tokenIndex + 1 < tokens.count, case .literal(let next) = tokens[tokenIndex + 1] {
                    let stop = next[0]
                    let quoted = stop == UInt8(ascii: "\"") && start > 0 && line[start - 1] == UInt8(ascii: "\"")
                    while index < line.count {
                        let byte = line[index]
                        if byte == stop && !(quoted && index > start && line[index - 1] == UInt8(ascii: "\\")) { break }
                        index += 1
                    }
                    guard index < line.count else { return .failure(LineRejection(.formatMismatch, at: start)) }
                } else {
                    while index < line.count && line[index] != UInt8(ascii: " ") { index += 1 }
                }
                var span = ByteSpan(withinCheckedLine: start, count: index - start)
                if span.count == 1 && line[start] == UInt8(ascii: "-") { span = .absent }
                if let failure = assign(role, span, line, &record, &sawTime, &forwardedFor, &user) {
                    return .failure(failure)
                }
            }
        }
        // Trailing ` name=value` pairs.
        while index < line.count {
            while index < line.count && (line[index] == UInt8(ascii: " ") || line[index] == UInt8(ascii: "\t")) {
                index += 1
            }
            guard index < line.count else { break }
            let nameStart = index
            while index < line.count && line[index] != UInt8(ascii: "=") && line[index] != UInt8(ascii: " ") {
                index += 1
            }
            guard index < line.count, line[index] == UInt8(ascii: "=") else {
                return .failure(LineRejection(.formatMismatch, at: nameStart))
            }
            let name = UnsafeRawBufferPointer(rebasing: line[nameStart..<index])
            index += 1
            var valueStart = index
            var valueEnd: Int
            if index < line.count && line[index] == UInt8(ascii: "\"") {
                valueStart += 1
                index += 1
                while index < line.count && line[index] != UInt8(ascii: "\"") { index += 1 }
                valueEnd = index
                if index < line.count { index += 1 }
            } else {
                while index < line.count && line[index] != UInt8(ascii: " ") { index += 1 }
                valueEnd = index
            }
            if valueEnd < valueStart { valueEnd = valueStart }
            var span = ByteSpan(withinCheckedLine: valueStart, count: valueEnd - valueStart)
            if span.count == 1 && line[valueStart] == UInt8(ascii: "-") { span = .absent }
            guard let role = Self.extraRole(name) else { continue }
            if let failure = assign(role, span, line, &record, &sawTime, &forwardedFor, &user) {
                return .failure(failure)
            }
        }
        guard sawTime else { return .failure(LineRejection(.missingTimestamp, at: 0)) }
        // SPEC.md: the first address of X-Forwarded-For is the caller when present.
        if !forwardedFor.isAbsent {
            var end = Int(forwardedFor.start)
            let limit = Int(forwardedFor.start + forwardedFor.count)
            while end < limit && line[end] != UInt8(ascii: ",") && line[end] != UInt8(ascii: " ") { end += 1 }
            if end > Int(forwardedFor.start) {
                record.address = ByteSpan(
                    withinCheckedLine: Int(forwardedFor.start), count: end - Int(forwardedFor.start))
            }
        }
        if record.client.isAbsent { record.client = user }
        return .success(())
    }

    /// Roles of the extra `name=value` fields after the format, recognised from the bytes.
    static func extraRole(_ name: UnsafeRawBufferPointer) -> AccessLogFormat.Role? {
        if name.equals("rid") || name.equals("request_id") || name.equals("req_id") || name.equals("reqid") {
            return .requestID
        }
        if name.equals("rt") || name.equals("request_time") { return .requestTimeSeconds }
        if name.equals("key") || name.equals("api_key") || name.equals("apikey") || name.equals("client") {
            return .apiKey
        }
        if name.equals("host") || name.equals("upstream_host") { return .host }
        return nil
    }

    // swiftlint:disable:next function_parameter_count
    private func assign(
        _ role: AccessLogFormat.Role, _ span: ByteSpan, _ line: UnsafeRawBufferPointer,
        _ record: inout ParsedRecord, _ sawTime: inout Bool, _ forwardedFor: inout ByteSpan, _ user: inout ByteSpan
    ) -> LineRejection? {
        let value =
            span.isAbsent
            ? UnsafeRawBufferPointer(start: nil, count: 0)
            : span.bytes(in: line)
        switch role {
        case .address: record.address = span
        case .forwardedFor: forwardedFor = span
        case .user: user = span
        case .apiKey: record.client = span
        case .localTime:
            guard let millis = TimestampParser.parseCommonLogTime(value) else {
                return LineRejection(.badTimestamp, at: Int(span.start))
            }
            record.timestampMillis = millis
            sawTime = true
        case .isoTime:
            guard let millis = TimestampParser.parseRFC3339(value) else {
                return LineRejection(.badTimestamp, at: Int(span.start))
            }
            record.timestampMillis = millis
            sawTime = true
        case .epochSeconds:
            guard let seconds = Self.decimal(value), let millis = TimestampParser.millisFromEpochNumber(seconds) else {
                return LineRejection(.badTimestamp, at: Int(span.start))
            }
            record.timestampMillis = millis
            sawTime = true
        case .request:
            // "METHOD /path?query HTTP/1.1"; a probe may send anything, so split leniently.
            guard !span.isAbsent else { break }
            let start = Int(span.start)
            let end = start + Int(span.count)
            var index = start
            while index < end && line[index] != UInt8(ascii: " ") { index += 1 }
            record.method = ByteSpan(withinCheckedLine: start, count: index - start)
            if index < end {
                let pathStart = index + 1
                var pathEnd = end
                var scan = end - 1
                while scan > pathStart && line[scan] != UInt8(ascii: " ") { scan -= 1 }
                if scan > pathStart { pathEnd = scan }
                record.path = ByteSpan(withinCheckedLine: pathStart, count: pathEnd - pathStart)
            }
        case .method: record.method = span
        case .uri: record.path = span
        case .status:
            guard let status = Self.decimal(value), status >= 100, status < 1000 else {
                return LineRejection(.badStatus, at: Int(span.start))
            }
            record.status = Int32(status)
        case .bytesSent:
            if let bytes = Self.decimal(value) { record.responseBytes = Int64(clampingNumber: bytes) }
        case .referer, .ignored: break
        case .userAgent: record.userAgent = span
        case .requestTimeSeconds:
            if let seconds = Self.decimal(value) { record.latencyMillis = seconds * 1000 }
        case .requestID: record.requestID = span
        case .host: record.host = span
        }
        return nil
    }

    /// A plain decimal like `200`, `0.012` or `1731801695.123`; nil for anything else.
    static func decimal(_ bytes: UnsafeRawBufferPointer) -> Double? {
        guard !bytes.isEmpty else { return nil }
        var whole: Double = 0
        var fraction: Double = 0
        var scale: Double = 1
        var seenDot = false
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") && !seenDot {
                seenDot = true
                continue
            }
            let digit = byte &- 48
            guard digit < 10 else { return nil }
            digits += 1
            if seenDot {
                scale /= 10
                fraction += Double(digit) * scale
            } else {
                whole = whole * 10 + Double(digit)
            }
        }
        return digits > 0 ? whole + fraction : nil
    }
}
