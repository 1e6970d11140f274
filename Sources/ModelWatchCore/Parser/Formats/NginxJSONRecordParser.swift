/// Reads JSON access logs written by an nginx `log_format NAME escape=json '{...}'` whose keys
/// are the nginx variables' own names (the layout nginx's documentation and most published
/// configurations use), into an access-log record.
///
/// Keys (nginx `ngx_http_core_module` / `ngx_http_log_module` variables, the `$` dropped):
/// `time_iso8601`, `time_local` or `msec` → time; `remote_addr` (else the first address of
/// `http_x_forwarded_for`) → address; `http_x_api_key`, `http_api_key`, else `remote_user` →
/// client; `request` (`GET /path HTTP/1.1`) or `request_method` + `request_uri` → method and
/// path; `status`; `body_bytes_sent` → bytes; `request_time` (seconds) → latency;
/// `http_user_agent`; `request_id`. nginx writes every value as a string; numbers are read
/// from them. Other key names go through a field mapping (`--input-format mapping.yaml`).
public struct NginxJSONRecordParser: Sendable {
    public var maximumDepth = 64

    public init() {}

    public func parse(_ line: UnsafeMutableRawBufferPointer, into record: inout ParsedRecord) throws(LineRejection) {
        record.reset(kind: .access)
        var scanner = JSONByteScanner(line, maximumDepth: maximumDepth)
        var sawTimestamp = false
        var apiKey = ByteSpan.absent
        var remoteUser = ByteSpan.absent
        var forwardedFor = ByteSpan.absent
        if try scanner.enterRecord() {
            repeat {
                let key = try scanner.readKey()
                let start = scanner.valueStart()
                if key.equals("time_iso8601") || key.equals("msec") {
                    record.timestampMillis = try scanner.readTimestamp()
                    sawTimestamp = true
                } else if key.equals("time_local") {
                    let text = try scanner.readOptionalString()
                    guard text.count > 0, let millis = TimestampParser.parseCommonLogTime(scanner.slice(text)) else {
                        throw LineRejection(.badTimestamp, at: start)
                    }
                    record.timestampMillis = millis
                    sawTimestamp = true
                } else if key.equals("remote_addr") {
                    record.address = Self.present(try scanner.readOptionalString(), scanner)
                } else if key.equals("http_x_forwarded_for") {
                    forwardedFor = Self.present(try scanner.readOptionalString(), scanner)
                } else if key.equals("http_x_api_key") || key.equals("http_api_key") {
                    apiKey = Self.present(try scanner.readOptionalString(), scanner)
                } else if key.equals("remote_user") {
                    remoteUser = Self.present(try scanner.readOptionalString(), scanner)
                } else if key.equals("request") {
                    splitRequest(try scanner.readOptionalString(), scanner, &record)
                } else if key.equals("request_method") {
                    record.method = Self.present(try scanner.readOptionalString(), scanner)
                } else if key.equals("request_uri") {
                    record.path = Self.present(try scanner.readOptionalString(), scanner)
                } else if key.equals("status") {
                    let status = try scanner.readOptionalNumber()
                    if status.isFinite { record.status = Int32(clampingNumber: status) }
                } else if key.equals("body_bytes_sent") {
                    let bytes = try scanner.readOptionalNumber()
                    if bytes.isFinite && bytes >= 0 { record.responseBytes = Int64(clampingNumber: bytes) }
                } else if key.equals("request_time") {
                    let seconds = try scanner.readOptionalNumber()
                    if seconds.isFinite { record.latencyMillis = seconds * 1000 }
                } else if key.equals("http_user_agent") {
                    record.userAgent = Self.present(try scanner.readOptionalString(), scanner)
                } else if key.equals("request_id") {
                    record.requestID = Self.present(try scanner.readOptionalString(), scanner)
                } else {
                    try scanner.skipValue(depth: 1)
                }
            } while try !scanner.endOfObject()
        }
        try scanner.finishRecord()
        guard sawTimestamp else { throw LineRejection(.missingTimestamp, at: 0) }
        record.client = apiKey.count > 0 ? apiKey : remoteUser
        if record.address.count <= 0, forwardedFor.count > 0 {
            let text = scanner.slice(forwardedFor)
            let comma = text.firstIndex(of: UInt8(ascii: ",")) ?? text.count
            record.address = forwardedFor.prefix(comma)
        }
    }

    /// nginx writes an unset variable as `""` or `"-"`: both are absent.
    static func present(_ span: ByteSpan, _ scanner: JSONByteScanner) -> ByteSpan {
        guard span.count > 0 else { return .absent }
        if span.count == 1 && scanner.slice(span)[0] == UInt8(ascii: "-") { return .absent }
        return span
    }

    /// `GET /path?q HTTP/1.1` → method and path.
    private func splitRequest(_ span: ByteSpan, _ scanner: JSONByteScanner, _ record: inout ParsedRecord) {
        guard span.count > 0 else { return }
        let text = scanner.slice(span)
        guard let firstSpace = text.firstIndex(of: 0x20) else { return }
        record.method = span.prefix(firstSpace)
        let rest = span.dropping(first: firstSpace + 1)
        let restText = scanner.slice(rest)
        let end = restText.firstIndex(of: 0x20) ?? restText.count
        if end > 0 { record.path = rest.prefix(end) }
    }
}
