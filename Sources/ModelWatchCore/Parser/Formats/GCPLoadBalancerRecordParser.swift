/// Reads Google Cloud load-balancer request log entries (Cloud Logging `LogEntry` with an
/// `httpRequest`) into an access-log record.
///
/// Fields, from Cloud Logging's `LogEntry` and `HttpRequest` reference and the entries in
/// `Tests/Fixtures/formats/gcp-lb.jsonl`: `timestamp` → time; `httpRequest.requestMethod`,
/// `requestUrl` (its path and query) → method and path; `status`; `responseSize` (a quoted
/// int64, as protobuf JSON writes them) → bytes; `userAgent`; `remoteIp` (a port after the
/// address is dropped) → address; `latency` (a protobuf Duration, `"0.123456s"`) → latency.
public struct GCPLoadBalancerRecordParser: Sendable {
    public var maximumDepth = 64

    public init() {}

    public func parse(_ line: UnsafeMutableRawBufferPointer, into record: inout ParsedRecord) throws(LineRejection) {
        record.reset(kind: .access)
        var scanner = JSONByteScanner(line, maximumDepth: maximumDepth)
        var sawTimestamp = false
        if try scanner.enterRecord() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("timestamp") {
                    record.timestampMillis = try scanner.readTimestamp()
                    sawTimestamp = true
                } else if key.equals("httpRequest") {
                    try readHTTPRequest(&scanner, &record, line: line)
                } else {
                    try scanner.skipValue(depth: 1)
                }
            } while try !scanner.endOfObject()
        }
        try scanner.finishRecord()
        guard sawTimestamp else { throw LineRejection(.missingTimestamp, at: 0) }
    }

    private func readHTTPRequest(
        _ scanner: inout JSONByteScanner, _ record: inout ParsedRecord, line: UnsafeMutableRawBufferPointer
    ) throws(LineRejection) {
        guard try scanner.enterObject(depth: 1) else { return }
        repeat {
            let key = try scanner.readKey()
            if key.equals("requestMethod") {
                record.method = try scanner.readOptionalString()
            } else if key.equals("requestUrl") {
                record.path = AccessURL.pathAndQuery(try scanner.readOptionalString(), in: line)
            } else if key.equals("status") {
                let status = try scanner.readOptionalNumber()
                if status.isFinite { record.status = Int32(clampingNumber: status) }
            } else if key.equals("responseSize") {
                let size = try scanner.readOptionalNumber()
                if size.isFinite && size >= 0 { record.responseBytes = Int64(clampingNumber: size) }
            } else if key.equals("userAgent") {
                record.userAgent = try scanner.readOptionalString()
            } else if key.equals("remoteIp") {
                record.address = AccessURL.addressWithoutPort(try scanner.readOptionalString(), in: line)
            } else if key.equals("latency") {
                let latency = try scanner.readOptionalString()
                if latency.count > 1, scanner.slice(latency).last == UInt8(ascii: "s"),
                    let seconds = AccessLogParser.decimal(scanner.slice(latency.prefix(Int(latency.count) - 1)))
                {
                    record.latencyMillis = seconds * 1000
                }
            } else {
                try scanner.skipValue(depth: 2)
            }
        } while try !scanner.endOfObject()
    }
}

/// Pieces of URLs and addresses as load balancers write them.
enum AccessURL {
    /// The path and query of an absolute URL (`http://host:80/a?b` → `/a?b`); a URL without a
    /// scheme is returned whole, one without a path as absent.
    static func pathAndQuery(_ span: ByteSpan, in line: UnsafeMutableRawBufferPointer) -> ByteSpan {
        guard span.count > 0 else { return .absent }
        let text = UnsafeRawBufferPointer(rebasing: line[Int(span.start)..<Int(span.start + span.count)])
        guard text[0] != UInt8(ascii: "/") else { return span }
        var index = 0
        while index + 2 < text.count {
            if text[index] == UInt8(ascii: ":") && text[index + 1] == UInt8(ascii: "/")
                && text[index + 2] == UInt8(ascii: "/")
            {
                var pathStart = index + 3
                while pathStart < text.count, text[pathStart] != UInt8(ascii: "/") { pathStart += 1 }
                return pathStart < text.count ? span.dropping(first: pathStart) : .absent
            }
            index += 1
        }
        return span
    }

    /// `a.b.c.d:port` → `a.b.c.d`, `[v6]:port` → `v6`; a bare address (IPv4 or IPv6) whole.
    static func addressWithoutPort(_ span: ByteSpan, in line: UnsafeMutableRawBufferPointer) -> ByteSpan {
        guard span.count > 0 else { return .absent }
        let text = UnsafeRawBufferPointer(rebasing: line[Int(span.start)..<Int(span.start + span.count)])
        if text[0] == UInt8(ascii: "[") {
            guard let close = text.firstIndex(of: UInt8(ascii: "]")) else { return span }
            return ByteSpan(start: Int(span.start) + 1, count: close - 1)
        }
        var colons = 0
        var lastColon = 0
        for (offset, byte) in text.enumerated() where byte == UInt8(ascii: ":") {
            colons += 1
            lastColon = offset
        }
        // One colon: IPv4 with a port. More: an IPv6 address, written without a port.
        return colons == 1 ? span.prefix(lastColon) : span
    }
}
