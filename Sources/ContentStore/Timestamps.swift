import BerthCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Time values of the ingest metadata and blob files, in containerd's on-disk formats.
enum Timestamp {
    /// Wall-clock now, truncated to microseconds: a `Date` is a Double, and whole microseconds
    /// survive the round trip through the text files exactly, so a status read back from disk
    /// equals the writer's in-memory one.
    static func now() -> Date {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return date(seconds: Int64(now.tv_sec), nanoseconds: Int64(now.tv_nsec) / 1000 * 1000)
    }

    static func date(seconds: Int64, nanoseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9)
    }

    static func date(_ time: timespec) -> Date {
        date(seconds: Int64(time.tv_sec), nanoseconds: Int64(time.tv_nsec))
    }

    /// Whole seconds and nanoseconds, rounded to the microsecond (see `now()`).
    static func components(_ date: Date) -> (seconds: Int64, nanoseconds: Int64) {
        let interval = date.timeIntervalSince1970
        var seconds = Int64(interval.rounded(.down))
        var micros = Int64(((interval - Double(seconds)) * 1e6).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        return (seconds, micros * 1000)
    }

    static func timeSpec(_ date: Date) -> timespec {
        let (seconds, nanoseconds) = components(date)
        var time = timespec()
        time.tv_sec = time_t(seconds)
        time.tv_nsec = Int(nanoseconds)
        return time
    }

    /// Go's `time.Time.MarshalText` (RFC 3339 with nanoseconds, trailing zeros trimmed), in UTC:
    /// the format of containerd's `startedat` and `updatedat` files.
    static func rfc3339(_ date: Date) -> String {
        let (seconds, nanoseconds) = components(date)
        return RFC3339.format(seconds: seconds, nanoseconds: nanoseconds)
    }

    /// Parses what Go's `time.Time.UnmarshalText` accepts from containerd: RFC 3339 with an
    /// optional fraction of up to nine digits and a `Z` or `±hh:mm` offset.
    static func parseRFC3339(_ text: String) -> Date? {
        RFC3339.parse(text).map { date(seconds: $0.seconds, nanoseconds: $0.nanoseconds) }
    }

    /// Go's `time.Time.String` in UTC ("2006-01-02 15:04:05.999999999 +0000 UTC"), as containerd's
    /// lock error prints its time.
    static func goString(_ date: Date) -> String {
        let (seconds, nanoseconds) = components(date)
        let (day, time) = RFC3339.parts(seconds: seconds, nanoseconds: nanoseconds)
        return day + " " + time + " +0000 UTC"
    }

    /// Go's `time.Duration.String`, e.g. "1.5s", "2m3s", "250µs".
    static func goDuration(nanoseconds: Int64) -> String {
        let negative = nanoseconds < 0
        let magnitude = nanoseconds.magnitude
        var text: String
        if magnitude < 1_000_000_000 {
            let (unit, scale): (String, UInt64) =
                magnitude == 0 ? ("s", 1) : magnitude < 1000 ? ("ns", 1) : magnitude < 1_000_000 ? ("µs", 1000) : ("ms", 1_000_000)
            text = String(magnitude / scale) + RFC3339.fraction(magnitude % scale, scale: scale) + unit
        } else {
            let seconds = magnitude / 1_000_000_000
            let hours = seconds / 3600, minutes = seconds / 60 % 60
            text = hours > 0 ? "\(hours)h" : ""
            if hours > 0 || minutes > 0 { text += "\(minutes)m" }
            text += String(seconds % 60) + RFC3339.fraction(magnitude % 1_000_000_000, scale: 1_000_000_000) + "s"
        }
        return negative ? "-" + text : text
    }
}
