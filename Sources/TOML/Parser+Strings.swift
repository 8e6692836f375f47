/// The four TOML string forms. Content is collected as bytes and decoded once.
extension Parser {
    /// `"..."` with escapes; `pos` is at the opening quote.
    mutating func parseBasicString() throws(TOMLParseError) -> String {
        let start = pos
        pos += 1
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else { throw error("unterminated string", at: start) }
            let b = bytes[pos]
            switch b {
            case UInt8(ascii: "\""):
                pos += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &out)
            case 0x0A, 0x0D:
                throw error("unterminated string (newline in single-line string)")
            default:
                if isControl(b) { throw error("control character in string") }
                out.append(b)
                pos += 1
            }
        }
    }

    /// `'...'`, no escapes; `pos` is at the opening quote.
    mutating func parseLiteralString() throws(TOMLParseError) -> String {
        let start = pos
        pos += 1
        let contentStart = pos
        while true {
            guard pos < bytes.count else { throw error("unterminated string", at: start) }
            let b = bytes[pos]
            if b == UInt8(ascii: "'") {
                let s = String(decoding: bytes[contentStart..<pos], as: UTF8.self)
                pos += 1
                return s
            }
            if b == 0x0A || b == 0x0D { throw error("unterminated string (newline in single-line string)") }
            if isControl(b) { throw error("control character in string") }
            pos += 1
        }
    }

    /// `"""..."""` or `'''...'''`; `pos` is at the first of the three opening quotes.
    mutating func parseMultilineString(literal: Bool) throws(TOMLParseError) -> String {
        let start = pos
        let quote = bytes[pos]
        pos += 3
        // A newline right after the opening delimiter is trimmed.
        _ = try consumeNewline()
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else { throw error("unterminated multi-line string", at: start) }
            let b = bytes[pos]
            if b == quote {
                var run = 0
                while peek(run) == quote { run += 1 }
                if run >= 3 {
                    // Up to two quotes may sit right before the closing delimiter.
                    if run > 5 { throw error("too many quotes at end of multi-line string") }
                    out.append(contentsOf: repeatElement(quote, count: run - 3))
                    pos += run
                    return String(decoding: out, as: UTF8.self)
                }
                out.append(contentsOf: repeatElement(quote, count: run))
                pos += run
            } else if b == UInt8(ascii: "\\") && !literal {
                if try !skipLineEndingBackslash() { try parseEscape(into: &out) }
            } else if b == 0x0A || b == 0x0D {
                guard try consumeNewline() else { throw error("invalid newline") }
                out.append(0x0A)
            } else {
                if isControl(b) { throw error("control character in string") }
                out.append(b)
                pos += 1
            }
        }
    }

    /// Handles `\` + optional spaces + newline: trims all following whitespace and newlines.
    mutating func skipLineEndingBackslash() throws(TOMLParseError) -> Bool {
        var i = pos + 1
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
        guard i < bytes.count, bytes[i] == 0x0A || (bytes[i] == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A)
        else { return false }
        pos = i
        while true {
            skipWhitespace()
            if try !consumeNewline() { return true }
        }
    }

    /// Decodes one escape sequence; `pos` is at the backslash.
    mutating func parseEscape(into out: inout [UInt8]) throws(TOMLParseError) {
        let start = pos
        pos += 1
        let c = peek
        pos += 1
        switch c {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = c == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let digit = hexValue(peek) else { throw error("invalid unicode escape", at: start) }
                value = value << 4 | UInt32(digit)
                pos += 1
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw error("escape is not a valid Unicode scalar", at: start)
            }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw error("invalid escape sequence", at: start)
        }
    }
}

func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
    default: return nil
    }
}
