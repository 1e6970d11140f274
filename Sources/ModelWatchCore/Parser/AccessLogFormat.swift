/// An nginx `log_format` string compiled into literal text and variables with known roles.
///
/// ```swift
/// let format = try AccessLogFormat(nginx: #"$remote_addr - $remote_user [$time_local] "$request" $status"#)
/// ```
/// The default, `combined`, is the format nginx and Apache ship; `common` is combined without
/// the referer and user agent. Variables without a role are matched and ignored.
public struct AccessLogFormat: Sendable, Equatable {
    /// What a variable's value means to the pipeline (SPEC.md, "Access log").
    public enum Role: Sendable, Equatable {
        case address, forwardedFor, user, apiKey, localTime, isoTime, epochSeconds
        case request, method, uri, status, bytesSent, referer, userAgent
        case requestTimeSeconds, requestID, host, ignored
    }

    public enum Token: Sendable, Equatable {
        case literal([UInt8])
        case variable(name: String, role: Role)
    }

    public let tokens: [Token]
    /// The format text as given, for messages.
    public let text: String

    /// nginx/Apache `combined`.
    public static let combined = try! AccessLogFormat(
        nginx:
            #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#
    )
    /// nginx/Apache `common` (combined without referer and user agent).
    public static let common = try! AccessLogFormat(
        nginx: #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent"#)

    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Compiles an nginx `log_format` string: `$name` or `${name}` are variables, the rest is
    /// literal text. Two variables with nothing between them cannot be told apart and are refused.
    public init(nginx text: String) throws(FormatError) {
        self.text = text
        var tokens: [Token] = []
        var literal: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        func isNameByte(_ byte: UInt8) -> Bool {
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x5F
        }
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "$") else {
                literal.append(byte)
                index += 1
                continue
            }
            var nameStart = index + 1
            var nameEnd = nameStart
            if nameStart < bytes.count && bytes[nameStart] == UInt8(ascii: "{") {
                nameStart += 1
                nameEnd = nameStart
                while nameEnd < bytes.count && bytes[nameEnd] != UInt8(ascii: "}") { nameEnd += 1 }
                guard nameEnd < bytes.count else {
                    throw FormatError(description: "unclosed ${ in access format '\(text)'")
                }
                index = nameEnd + 1
            } else {
                while nameEnd < bytes.count && isNameByte(bytes[nameEnd]) { nameEnd += 1 }
                index = nameEnd
            }
            guard nameEnd > nameStart else {
                literal.append(byte)
                continue
            }
            if !literal.isEmpty {
                tokens.append(.literal(literal))
                literal.removeAll()
            } else if case .variable(let previous, _) = tokens.last {
                throw FormatError(
                    description:
                        "variables $\(previous) and $\(String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)) touch with no text between them; they cannot be told apart"
                )
            }
            let name = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
            tokens.append(.variable(name: name, role: Self.role(of: name)))
        }
        if !literal.isEmpty { tokens.append(.literal(literal)) }
        guard tokens.contains(where: { if case .variable = $0 { return true } else { return false } }) else {
            throw FormatError(description: "access format '\(text)' has no $variables")
        }
        self.tokens = tokens
    }

    static func role(of name: String) -> Role {
        switch name {
        case "remote_addr", "realip_remote_addr", "binary_remote_addr": .address
        case "http_x_forwarded_for", "proxy_add_x_forwarded_for": .forwardedFor
        case "remote_user": .user
        case "http_x_api_key", "http_api_key": .apiKey
        case "time_local": .localTime
        case "time_iso8601": .isoTime
        case "msec": .epochSeconds
        case "request": .request
        case "request_method": .method
        case "request_uri", "uri": .uri
        case "status": .status
        case "body_bytes_sent", "bytes_sent": .bytesSent
        case "http_referer": .referer
        case "http_user_agent": .userAgent
        case "request_time": .requestTimeSeconds
        case "request_id", "http_x_request_id": .requestID
        case "host", "http_host", "server_name", "hostname": .host
        default: .ignored
        }
    }

    public static func == (lhs: AccessLogFormat, rhs: AccessLogFormat) -> Bool { lhs.text == rhs.text }
}
