/// Byte-level parsers for the timestamp forms the inputs use, all normalised to UTC
/// milliseconds since the Unix epoch using the offset written in the timestamp itself.
public enum TimestampParser {
    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`,
    /// http://howardhinnant.github.io/date_algorithms.html).
    @inline(__always)
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Reads `count` ASCII digits at `index`, or returns nil.
    @inline(__always)
    static func digits(_ bytes: UnsafeRawBufferPointer, _ index: Int, _ count: Int) -> Int? {
        guard index >= 0, index + count <= bytes.count else { return nil }
        var value = 0
        for offset in 0..<count {
            let digit = Int(bytes[index + offset]) &- 48
            guard digit >= 0 && digit <= 9 else { return nil }
            value = value &* 10 &+ digit
        }
        return value
    }

    static func isValidDate(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Bool {
        guard (1...12).contains(month), day >= 1, hour <= 23, minute <= 59, second <= 60 else { return false }
        let daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return day <= daysInMonth[month - 1] + (month == 2 && leap ? 1 : 0)
    }

    /// Parses RFC 3339 (`2026-11-17T00:01:35.971Z`, `2026-11-17 01:01:35+01:00`): `T`, `t` or a
    /// space between date and time, any number of fractional digits (kept to the millisecond),
    /// `Z`, `z` or a `±HH:MM` / `±HHMM` offset. Returns nil for anything else.
    ///
    /// With `offsetOptional`, a time written without an offset (`2025-01-24 09:20:46.847371`,
    /// Python's `str(datetime)` as LiteLLM writes it) is read as UTC.
    public static func parseRFC3339(_ bytes: UnsafeRawBufferPointer, offsetOptional: Bool = false) -> Int64? {
        guard bytes.count >= (offsetOptional ? 19 : 20),
            let year = digits(bytes, 0, 4), bytes[4] == UInt8(ascii: "-"),
            let month = digits(bytes, 5, 2), bytes[7] == UInt8(ascii: "-"),
            let day = digits(bytes, 8, 2)
        else { return nil }
        let separator = bytes[10]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " "),
            let hour = digits(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"),
            let minute = digits(bytes, 14, 2), bytes[16] == UInt8(ascii: ":"),
            let second = digits(bytes, 17, 2),
            isValidDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        var index = 19
        var millis = 0
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            var fractionDigits = 0
            while index < bytes.count, bytes[index] >= 48 && bytes[index] <= 57 {
                if fractionDigits < 3 { millis = millis * 10 + Int(bytes[index] - 48) }
                fractionDigits += 1
                index += 1
            }
            guard fractionDigits > 0 else { return nil }
            var scale = fractionDigits
            while scale < 3 {
                millis *= 10
                scale += 1
            }
        }
        var offsetSeconds = 0
        if index == bytes.count && offsetOptional {
            let days = daysFromCivil(year: year, month: month, day: day)
            return Int64(days * 86_400 + hour * 3600 + minute * 60 + second) * 1000 + Int64(millis)
        }
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            guard let offsetHours = digits(bytes, index + 1, 2) else { return nil }
            var offsetMinutes: Int?
            if index + 3 < bytes.count && bytes[index + 3] == UInt8(ascii: ":") {
                offsetMinutes = digits(bytes, index + 4, 2)
                index += 6
            } else {
                offsetMinutes = digits(bytes, index + 3, 2)
                index += 5
            }
            guard let offsetMinutes, offsetHours <= 23, offsetMinutes <= 59 else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Int64(seconds) * 1000 + Int64(millis)
    }

    /// Parses the Common Log Format time inside the brackets: `16/Nov/2026:19:01:35 -0500`.
    public static func parseCommonLogTime(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard bytes.count == 26,
            let day = digits(bytes, 0, 2), bytes[2] == UInt8(ascii: "/"),
            let month = monthNumber(bytes[3], bytes[4], bytes[5]), bytes[6] == UInt8(ascii: "/"),
            let year = digits(bytes, 7, 4), bytes[11] == UInt8(ascii: ":"),
            let hour = digits(bytes, 12, 2), bytes[14] == UInt8(ascii: ":"),
            let minute = digits(bytes, 15, 2), bytes[17] == UInt8(ascii: ":"),
            let second = digits(bytes, 18, 2), bytes[20] == UInt8(ascii: " "),
            bytes[21] == UInt8(ascii: "+") || bytes[21] == UInt8(ascii: "-"),
            let offsetHours = digits(bytes, 22, 2), let offsetMinutes = digits(bytes, 24, 2),
            isValidDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        let sign = bytes[21] == UInt8(ascii: "-") ? -1 : 1
        let offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        let days = daysFromCivil(year: year, month: month, day: day)
        return Int64(days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds) * 1000
    }

    /// Epoch seconds or milliseconds: values above 10^11 (year 5138 in seconds) are milliseconds.
    public static func millisFromEpochNumber(_ value: Double) -> Int64? {
        guard value.isFinite, value >= 0, value < 1e14 else { return nil }
        return value >= 1e11 ? Int64(value.rounded()) : Int64((value * 1000).rounded())
    }

    @inline(__always)
    static func monthNumber(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        // Lower-case the letters so `NOV` and `nov` read as `Nov`.
        let key = (UInt32(a | 0x20) << 16) | (UInt32(b | 0x20) << 8) | UInt32(c | 0x20)
        switch key {
        case 0x6A616E: return 1  // jan
        case 0x666562: return 2  // feb
        case 0x6D6172: return 3  // mar
        case 0x617072: return 4  // apr
        case 0x6D6179: return 5  // may
        case 0x6A756E: return 6  // jun
        case 0x6A756C: return 7  // jul
        case 0x617567: return 8  // aug
        case 0x736570: return 9  // sep
        case 0x6F6374: return 10  // oct
        case 0x6E6F76: return 11  // nov
        case 0x646563: return 12  // dec
        default: return nil
        }
    }

    /// The largest magnitude `formatRFC3339` formats as itself (the state reader's `millisLimit`).
    static let formattableMillis: Int64 = 1 << 50

    /// Formats milliseconds since the epoch as RFC 3339 UTC with milliseconds, e.g.
    /// `2026-11-17T00:01:35.971Z`; whole seconds drop the fraction: `2026-11-17T00:01:35Z`.
    /// Total: an instant past ±2^50 ms (about 35,000 years; the `.min`/`.max` sentinels of an
    /// empty range, a damaged state) is formatted as that bound rather than overflowing.
    public static func formatRFC3339(millis unclamped: Int64) -> String {
        let millis = min(max(unclamped, -formattableMillis), formattableMillis)
        let totalSeconds = Int(millis >= 0 ? millis / 1000 : (millis - 999) / 1000)
        let milli = Int(millis - Int64(totalSeconds) * 1000)
        var days = totalSeconds / 86_400
        var secondsOfDay = totalSeconds % 86_400
        if secondsOfDay < 0 {
            secondsOfDay += 86_400
            days -= 1
        }
        // civil_from_days, the inverse of daysFromCivil (same source).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var result = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
        result += "\(pad(secondsOfDay / 3600, 2)):\(pad(secondsOfDay / 60 % 60, 2)):\(pad(secondsOfDay % 60, 2))"
        if milli != 0 { result += ".\(pad(milli, 3))" }
        return result + "Z"
    }
}
