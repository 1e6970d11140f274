/// Writes events as SPEC.md's JSON lines: one object per line, fields in a fixed order, every
/// string escaped (log content is attacker-controlled and may hold quotes, control characters or
/// invalid UTF-8, which arrives here already replaced by U+FFFD).
public enum EventJSON {
    public static func line(for event: Event) -> String {
        var out = "{"
        out += "\"type\":" + quoted(event.typeName)
        out += ",\"severity\":" + quoted(event.severity.name)
        out += ",\"start\":" + quoted(TimestampParser.formatRFC3339(millis: event.startMillis))
        out += ",\"end\":" + quoted(TimestampParser.formatRFC3339(millis: event.endMillis))
        out +=
            ",\"entity\":{" + event.entity.members.map { quoted($0.0) + ":" + quoted($0.1) }.joined(separator: ",")
            + "}"
        let controls = event.type.controls
        out += ",\"controls\":{\"iso27001_2022\":[" + controls.iso2022.map(quoted).joined(separator: ",") + "]"
        out += ",\"iso27001_2013\":[" + controls.iso2013.map(quoted).joined(separator: ",") + "]}"
        out += ",\"evidence\":{" + event.evidence.map { quoted($0.0) + ":" + value($0.1) }.joined(separator: ",") + "}"
        out += ",\"message\":" + quoted(event.message)
        out += ",\"id\":" + quoted(event.id)
        if let count = event.count { out += ",\"count\":\(count)" }
        if !event.atlas.isEmpty { out += ",\"atlas\":[" + event.atlas.map(quoted).joined(separator: ",") + "]" }
        if !event.owasp.isEmpty { out += ",\"owasp\":[" + event.owasp.map(quoted).joined(separator: ",") + "]" }
        return out + "}"
    }

    static func value(_ value: EvidenceValue) -> String {
        switch value {
        case .integer(let number): String(number)
        case .number(let number): number.isFinite ? String(number) : "null"
        case .text(let text): quoted(text)
        case .flag(let flag): flag ? "true" : "false"
        }
    }

    /// A JSON string literal (RFC 8259 section 7): quote, backslash and control characters escaped.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Makes untrusted text safe to print on a terminal: control characters (C0, DEL, C1, which
/// include ESC and so every ANSI escape sequence) become `?`, so a log line cannot move the
/// cursor, retitle the window or hide output.
public enum TerminalText {
    public static func sanitize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}"
                || scalar == "\u{2029}"
            {
                out.append("?")
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
