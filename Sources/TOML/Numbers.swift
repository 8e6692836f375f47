/// Integer and float literals, validated byte by byte so malformed input never reaches a trap.

/// Classifies and converts a number token; nil means "not a valid TOML number".
func parseNumber(_ token: [UInt8]) -> TOMLValue? {
    var body = token[...]
    var negative = false
    if let first = body.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
        negative = first == UInt8(ascii: "-")
        body = body.dropFirst()
    }
    let text = String(decoding: body, as: UTF8.self)
    if text == "inf" { return .float(negative ? -.infinity : .infinity) }
    if text == "nan" { return .float(negative ? -.nan : .nan) }
    if body.count > 2, body.first == UInt8(ascii: "0") {
        let radix: UInt64
        switch body[body.startIndex + 1] {
        case UInt8(ascii: "x"): radix = 16
        case UInt8(ascii: "o"): radix = 8
        case UInt8(ascii: "b"): radix = 2
        default: radix = 0
        }
        if radix != 0 {
            // Prefixed integers take no sign.
            guard body.count == token.count else { return nil }
            return parseUnsigned(body.dropFirst(2), radix: radix, negative: false).map { .integer($0) }
        }
    }
    if body.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
        return parseFloat(body, negative: negative)
    }
    guard noLeadingZero(body) else { return nil }
    return parseUnsigned(body, radix: 10, negative: negative).map { .integer($0) }
}

/// Digits with `_` only between two digits.
func validDigits(_ s: ArraySlice<UInt8>, radix: UInt64) -> Bool {
    guard let first = s.first, let last = s.last, first != UInt8(ascii: "_"), last != UInt8(ascii: "_")
    else { return false }
    var previousUnderscore = false
    for b in s {
        if b == UInt8(ascii: "_") {
            if previousUnderscore { return false }
            previousUnderscore = true
        } else {
            guard let d = hexValue(b), UInt64(d) < radix else { return false }
            previousUnderscore = false
        }
    }
    return true
}

/// "0" alone is fine; "01" and "0_1" are not.
func noLeadingZero(_ s: ArraySlice<UInt8>) -> Bool {
    !(s.count > 1 && s.first == UInt8(ascii: "0"))
}

func parseUnsigned(_ s: ArraySlice<UInt8>, radix: UInt64, negative: Bool) -> Int64? {
    guard validDigits(s, radix: radix) else { return nil }
    var magnitude: UInt64 = 0
    for b in s where b != UInt8(ascii: "_") {
        guard let d = hexValue(b) else { return nil }
        let (m, o1) = magnitude.multipliedReportingOverflow(by: radix)
        let (a, o2) = m.addingReportingOverflow(UInt64(d))
        if o1 || o2 { return nil }
        magnitude = a
    }
    if negative {
        if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return -Int64(magnitude)
    }
    guard magnitude <= UInt64(Int64.max) else { return nil }
    return Int64(magnitude)
}

/// `int[.frac][(e|E)[+-]exp]` with at least a fraction or an exponent.
func parseFloat(_ s: ArraySlice<UInt8>, negative: Bool) -> TOMLValue? {
    let expIndex = s.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    let mantissa = s[s.startIndex..<(expIndex ?? s.endIndex)]
    let dot = mantissa.firstIndex(of: UInt8(ascii: "."))
    let intPart = mantissa[mantissa.startIndex..<(dot ?? mantissa.endIndex)]
    guard validDigits(intPart, radix: 10), noLeadingZero(intPart) else { return nil }
    if let dot {
        guard validDigits(mantissa[(dot + 1)...], radix: 10) else { return nil }
    }
    if let expIndex {
        var exp = s[(expIndex + 1)...]
        if let f = exp.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { exp = exp.dropFirst() }
        guard validDigits(exp, radix: 10) else { return nil }
    }
    let clean = s.filter { $0 != UInt8(ascii: "_") }
    // Out-of-range literals like 1e400 are errors, as for integers, rather than silently infinite.
    guard let d = Double(String(decoding: clean, as: UTF8.self)), d.isFinite else { return nil }
    return .float(negative ? -d : d)
}
