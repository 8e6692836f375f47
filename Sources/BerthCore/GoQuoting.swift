/// Go's string-literal rules as containerd's messages and filters use them.
public enum GoQuoting {
    /// Formats `s` as Go's `%q` (strconv.Quote) does, so error messages read as containerd's.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value < 0x10000 {
                    out += "\\u" + hex(scalar.value, width: 4)
                } else {
                    out += "\\U" + hex(scalar.value, width: 8)
                }
            }
        }
        return out + "\""
    }

    /// Decodes a literal quoted with `"`, `/` or `|`, as containerd's filters/quote.go does.
    /// Returns nil for what Go reports as "quote syntax error".
    static func unquote(_ literal: String) -> String? {
        let bytes = Array(literal.utf8)
        guard bytes.count >= 2, let quote = bytes.first, bytes.last == quote,
              [UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "|")].contains(quote)
        else { return nil }
        let body = bytes[1..<(bytes.count - 1)]
        if body.contains(UInt8(ascii: "\n")) { return nil }
        if !body.contains(UInt8(ascii: "\\")) && !body.contains(quote) { return String(decoding: body, as: UTF8.self) }

        var out: [UInt8] = []
        var rest = body[...]
        while let byte = rest.first {
            if byte == quote { return nil }
            if byte != UInt8(ascii: "\\") {
                // Bytes of multi-byte characters pass through unchanged, like Go's rune copy.
                out.append(byte)
                rest = rest.dropFirst()
                continue
            }
            guard let decoded = unescape(&rest, quote: quote) else { return nil }
            out += decoded
        }
        // Go strings may hold invalid UTF-8 (from \x or octal escapes); Swift repairs it.
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes one backslash escape at the start of `rest` and advances past it.
    private static func unescape(_ rest: inout ArraySlice<UInt8>, quote: UInt8) -> [UInt8]? {
        let escape = Array(rest.prefix(2))
        guard escape.count == 2 else { return nil }
        rest = rest.dropFirst(2)
        switch escape[1] {
        case UInt8(ascii: "a"): return [0x07]
        case UInt8(ascii: "b"): return [0x08]
        case UInt8(ascii: "f"): return [0x0C]
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "v"): return [0x0B]
        case UInt8(ascii: "\\"): return [UInt8(ascii: "\\")]
        case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            let width = escape[1] == UInt8(ascii: "x") ? 2 : escape[1] == UInt8(ascii: "u") ? 4 : 8
            let digits = rest.prefix(width)
            guard digits.count == width else { return nil }
            var value: UInt32 = 0
            for digit in digits {
                guard let nibble = hexValue(digit) else { return nil }
                value = value << 4 | nibble
            }
            rest = rest.dropFirst(width)
            if width == 2 { return [UInt8(value)] }
            guard value <= 0x10FFFF else { return nil }
            // Go encodes surrogate halves as U+FFFD.
            return Array(String(Unicode.Scalar(value) ?? "\u{FFFD}").utf8)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var value = UInt32(escape[1] - UInt8(ascii: "0"))
            let digits = rest.prefix(2)
            guard digits.count == 2 else { return nil }
            for digit in digits {
                guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(digit) else { return nil }
                value = value << 3 | UInt32(digit - UInt8(ascii: "0"))
            }
            rest = rest.dropFirst(2)
            guard value <= 255 else { return nil }
            return [UInt8(value)]
        case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "|"), UInt8(ascii: "/"):
            return escape[1] == quote ? [quote] : nil
        default:
            return nil
        }
    }

    /// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
