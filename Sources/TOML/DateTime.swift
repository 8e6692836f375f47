/// RFC 3339 style TOML date-times. We only validate; the text is kept as written.

/// Accepts local date, local time, local date-time and offset date-time.
func isValidDateTime(_ t: [UInt8]) -> Bool {
    if t.count >= 10, t[4] == UInt8(ascii: "-") {
        guard validDate(t) else { return false }
        if t.count == 10 { return true }
        let sep = t[10]
        guard sep == UInt8(ascii: "T") || sep == UInt8(ascii: "t") || sep == UInt8(ascii: " ") else { return false }
        guard let end = timeEnd(t, from: 11) else { return false }
        return end == t.count || validOffset(t[end...])
    }
    return timeEnd(t, from: 0) == t.count
}

/// Reads `n` ASCII digits at `i` as a number.
private func number(_ t: [UInt8], _ i: Int, _ n: Int) -> Int? {
    guard i + n <= t.count else { return nil }
    var v = 0
    for b in t[i..<(i + n)] {
        guard isDigit(b) else { return nil }
        v = v * 10 + Int(b - UInt8(ascii: "0"))
    }
    return v
}

private func validDate(_ t: [UInt8]) -> Bool {
    guard let y = number(t, 0, 4), t[4] == UInt8(ascii: "-"), let m = number(t, 5, 2),
        t[7] == UInt8(ascii: "-"), let d = number(t, 8, 2), (1...12).contains(m), d >= 1
    else { return false }
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
    let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return d <= days[m - 1]
}

/// `HH:MM:SS[.fraction]` starting at `i`; returns the index just past it.
private func timeEnd(_ t: [UInt8], from i: Int) -> Int? {
    guard let h = number(t, i, 2), i + 2 < t.count, t[i + 2] == UInt8(ascii: ":"),
        let m = number(t, i + 3, 2), i + 5 < t.count, t[i + 5] == UInt8(ascii: ":"),
        let s = number(t, i + 6, 2), h <= 23, m <= 59, s <= 60
    else { return nil }
    var end = i + 8
    if end < t.count, t[end] == UInt8(ascii: ".") {
        end += 1
        let fracStart = end
        while end < t.count, isDigit(t[end]) { end += 1 }
        if end == fracStart { return nil }
    }
    return end
}

/// `Z`, `z` or `+HH:MM` / `-HH:MM` as the whole remaining slice.
private func validOffset(_ o: ArraySlice<UInt8>) -> Bool {
    let t = Array(o)
    if t.count == 1 { return t[0] == UInt8(ascii: "Z") || t[0] == UInt8(ascii: "z") }
    guard t.count == 6, t[0] == UInt8(ascii: "+") || t[0] == UInt8(ascii: "-"),
        let h = number(t, 1, 2), t[3] == UInt8(ascii: ":"), let m = number(t, 4, 2)
    else { return false }
    return h <= 23 && m <= 59
}
