/// RFC 3339 times in UTC as Go writes and reads them (`time.Time.MarshalText`, `time.Parse(time.RFC3339, ...)`),
/// by calendar arithmetic: Foundation's ISO 8601 styles load the time-zone and calendar caches on first use,
/// a fifth of a millisecond in a short-lived CLI, and its default parser refuses fractional seconds.
public enum RFC3339 {
    /// "2006-01-02T15:04:05.999999999Z", the fraction without trailing zeros (none for whole seconds).
    public static func format(seconds: Int64, nanoseconds: Int64 = 0) -> String {
        let (date, time) = parts(seconds: seconds, nanoseconds: nanoseconds)
        return date + "T" + time + "Z"
    }

    /// The date ("2006-01-02") and time of day ("15:04:05.5") in UTC.
    public static func parts(seconds: Int64, nanoseconds: Int64) -> (date: String, time: String) {
        let civil = CivilTime(epochSeconds: seconds)
        return (civil.dateText, civil.timeText + fraction(UInt64(max(0, nanoseconds)), scale: 1_000_000_000))
    }

    /// Seconds and nanoseconds since the epoch, from a `Z` or `±hh:mm` time with up to nine fraction digits.
    public static func parse(_ text: String) -> (seconds: Int64, nanoseconds: Int64)? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20,
              let year = number(bytes, 0, 4), bytes[4] == UInt8(ascii: "-"),
              let month = number(bytes, 5, 2), bytes[7] == UInt8(ascii: "-"),
              let day = number(bytes, 8, 2), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              let hour = number(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"),
              let minute = number(bytes, 14, 2), bytes[16] == UInt8(ascii: ":"),
              let second = number(bytes, 17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var nanoseconds: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, let digit = digitValue(bytes[index]) {
                guard digits < 9 else { return nil }
                nanoseconds = nanoseconds * 10 + digit
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanoseconds *= 10 }
        }
        guard index < bytes.count else { return nil }
        var offset: Int64 = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, let hours = number(bytes, index + 1, 2),
                  bytes[index + 3] == UInt8(ascii: ":"), let minutes = number(bytes, index + 4, 2)
            else { return nil }
            offset = (hours * 60 + minutes) * 60 * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        let days = CivilTime.days(year: year, month: month, day: day)
        return (days * 86_400 + hour * 3600 + minute * 60 + second - offset, nanoseconds)
    }

    /// ".5" for 500 of 1000: the digits of `value / scale` without trailing zeros; "" for 0.
    public static func fraction(_ value: UInt64, scale: UInt64) -> String {
        guard value > 0, scale > 1 else { return "" }
        var digits = String(value)
        let width = String(scale).count - 1
        digits = String(repeating: "0", count: max(0, width - digits.count)) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "." + digits
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int64? {
        guard start + count <= bytes.count else { return nil }
        var value: Int64 = 0
        for byte in bytes[start..<(start + count)] {
            guard let digit = digitValue(byte) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    private static func digitValue(_ byte: UInt8) -> Int64? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int64(byte - UInt8(ascii: "0")) : nil
    }
}

/// Proleptic Gregorian calendar arithmetic in UTC (Howard Hinnant's algorithms), so formatting
/// does not depend on the process time zone or on Foundation's formatters.
struct CivilTime {
    var year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64

    init(epochSeconds: Int64) {
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondOfDay = epochSeconds - days * 86_400
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    var dateText: String { pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) }
    var timeText: String { pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2) }

    private func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
