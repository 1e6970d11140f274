/// Reads AWS Application Load Balancer access-log lines into an access-log record; the other
/// Elastic Load Balancing logs found beside them (NLB TLS lines, ALB connection logs) are
/// rejected with a reason of their own.
///
/// Fields, in order, from AWS's "Access logs for your Application Load Balancer" ("Access log
/// entries" → "Syntax"): type, time, elb, client:port, target:port,
/// request_processing_time, target_processing_time, response_processing_time,
/// elb_status_code, target_status_code, received_bytes, sent_bytes, "request", "user_agent",
/// ssl_cipher, ssl_protocol, target_group_arn, "trace_id", "domain_name", "chosen_cert_arn",
/// matched_rule_priority, request_creation_time, "actions_executed", "redirect_url",
/// "error_reason", "target:port_list", "target_status_code_list", "classification",
/// "classification_reason", conn_trace_id; AWS appends new fields at the end, so fields past
/// these are accepted and ignored. `-` and `-1` are absent. Mapped: time (when the balancer
/// answered), client address without its port, elb_status_code → status, the three
/// processing times summed → latency (absent when any is `-1`: the request never reached a
/// target or the answer never left), sent_bytes, the request's method and path (from the
/// absolute URL), user agent, trace_id → request id.
public struct ALBRecordParser: Sendable {
    public init() {}

    /// Fields up to sent_bytes, request and user agent: a line with fewer is not an ALB line.
    static let minimumFieldCount = 14

    public func parse(_ line: UnsafeMutableRawBufferPointer, into record: inout ParsedRecord) throws(LineRejection) {
        record.reset(kind: .access)
        let text = UnsafeRawBufferPointer(line)
        var fields = FieldCursor(text: text)
        var processing = 0.0
        var processingKnown = true
        var index = 0
        while let field = try fields.next() {
            defer { index += 1 }
            let value = UnsafeRawBufferPointer(rebasing: text[field.start..<field.end])
            let absent = value.isEmpty || value.equals("-")
            switch index {
            case 0:
                guard Self.isRequestType(value) else {
                    throw LineRejection(Self.elbLineKind(text) ?? .formatMismatch, at: field.start)
                }
            case 1:
                guard let millis = TimestampParser.parseRFC3339(value) else {
                    throw LineRejection(.badTimestamp, at: field.start)
                }
                record.timestampMillis = millis
            case 2:
                guard value.starts(with: "app/") else {
                    throw LineRejection(Self.elbLineKind(text) ?? .formatMismatch, at: field.start)
                }
            case 3:
                if !absent {
                    record.address = AccessURL.addressWithoutPort(
                        ByteSpan(start: field.start, count: field.end - field.start), in: line)
                }
            case 5, 6, 7:
                if let seconds = AccessLogParser.decimal(value) {
                    processing += seconds
                } else {
                    processingKnown = false  // `-1`: not dispatched, or the connection closed
                }
            case 8:
                if !absent {
                    guard let status = AccessLogParser.decimal(value), status < 1000 else {
                        throw LineRejection(.badStatus, at: field.start)
                    }
                    record.status = Int32(status)
                }
            case 11:
                if let bytes = AccessLogParser.decimal(value) { record.responseBytes = Int64(clampingNumber: bytes) }
            case 12:
                splitRequest(field, text)
                    .map { method, path in
                        record.method = method
                        record.path = path
                    }
            case 13:
                if !absent { record.userAgent = ByteSpan(start: field.start, count: field.end - field.start) }
            case 17:
                if !absent { record.requestID = ByteSpan(start: field.start, count: field.end - field.start) }
            default:
                break
            }
        }
        guard index >= Self.minimumFieldCount else {
            throw LineRejection(Self.elbLineKind(text) ?? .formatMismatch, at: text.count)
        }
        if processingKnown { record.latencyMillis = processing * 1000 }
    }

    /// `"GET http://host:80/path?q HTTP/1.1"` → the spans of `GET` and `/path?q`; nil when the
    /// balancer wrote no request (`"- http://host:80- "` for a malformed one).
    private func splitRequest(_ field: FieldCursor.Field, _ text: UnsafeRawBufferPointer) -> (ByteSpan, ByteSpan)? {
        let request = UnsafeRawBufferPointer(rebasing: text[field.start..<field.end])
        guard let firstSpace = request.firstIndex(of: 0x20), firstSpace > 0,
            !(firstSpace == 1 && request[0] == UInt8(ascii: "-"))
        else { return nil }
        let urlStart = firstSpace + 1
        var urlEnd = urlStart
        while urlEnd < request.count, request[urlEnd] != 0x20 { urlEnd += 1 }
        let method = ByteSpan(start: field.start, count: firstSpace)
        let url = UnsafeRawBufferPointer(rebasing: request[urlStart..<urlEnd])
        var pathStart = 0
        if let schemeEnd = Self.find("://", in: url) {
            pathStart = schemeEnd + 3
            while pathStart < url.count, url[pathStart] != UInt8(ascii: "/") { pathStart += 1 }
        }
        guard pathStart < url.count else { return (method, .absent) }
        return (method, ByteSpan(start: field.start + urlStart + pathStart, count: urlEnd - urlStart - pathStart))
    }

    private static func find(_ needle: StaticString, in bytes: UnsafeRawBufferPointer) -> Int? {
        let length = needle.utf8CodeUnitCount
        guard bytes.count >= length else { return nil }
        for start in 0...(bytes.count - length)
        where UnsafeRawBufferPointer(rebasing: bytes[start..<start + length]).equals(needle) {
            return start
        }
        return nil
    }

    /// The request types an ALB access line starts with (AWS: http, https, h2, grpcs, ws, wss).
    static func isRequestType(_ value: UnsafeRawBufferPointer) -> Bool {
        value.equals("http") || value.equals("https") || value.equals("h2") || value.equals("grpcs")
            || value.equals("ws") || value.equals("wss")
    }

    /// True for an ALB access line: a request type, an RFC 3339 time and an `app/` balancer id.
    static func isALBLine(_ line: UnsafeRawBufferPointer) -> Bool {
        var fields = FieldCursor(text: line)
        guard let type = try? fields.next(), isRequestType(slice(line, type)),
            let time = try? fields.next(), TimestampParser.parseRFC3339(slice(line, time)) != nil,
            let balancer = try? fields.next()
        else { return false }
        return slice(line, balancer).starts(with: "app/")
    }

    /// Which other ELB log `line` is: an NLB TLS line (`tls 2.0 TIME net/...`) or an ALB
    /// connection-log line (it starts with its RFC 3339 time, then the client address); nil for
    /// neither.
    static func elbLineKind(_ line: UnsafeRawBufferPointer) -> RejectReason? {
        var fields = FieldCursor(text: line)
        guard let first = try? fields.next() else { return nil }
        let firstText = slice(line, first)
        if firstText.equals("tls"), let version = try? fields.next(), slice(line, version).equals("2.0") {
            return .nlbLine
        }
        if TimestampParser.parseRFC3339(firstText) != nil, let address = try? fields.next(),
            let addressFirst = slice(line, address).first,
            addressFirst &- 48 < 10 || addressFirst == UInt8(ascii: ":")
                || (addressFirst | 0x20) &- 97 < 6
        {
            return .albConnectionLine
        }
        return nil
    }

    private static func slice(_ line: UnsafeRawBufferPointer, _ field: FieldCursor.Field) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: line[field.start..<field.end])
    }

    /// Space-separated fields, a field in double quotes kept whole (quotes dropped; a quote
    /// escaped with a backslash stays inside).
    struct FieldCursor {
        struct Field {
            var start: Int
            var end: Int
        }

        let text: UnsafeRawBufferPointer
        var index = 0

        mutating func next() throws(LineRejection) -> Field? {
            while index < text.count, text[index] == 0x20 { index += 1 }
            guard index < text.count else { return nil }
            if text[index] == UInt8(ascii: "\"") {
                let start = index + 1
                var end = start
                while end < text.count, text[end] != UInt8(ascii: "\"") {
                    end += text[end] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard end < text.count else { throw LineRejection(.formatMismatch, at: index) }
                index = end + 1
                return Field(start: start, end: end)
            }
            let start = index
            while index < text.count, text[index] != 0x20 { index += 1 }
            return Field(start: start, end: index)
        }
    }
}
