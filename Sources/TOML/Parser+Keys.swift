/// One segment of a (possibly dotted) key, with its offset for error positions.
struct KeyPart {
    var name: String
    var offset: Int
}

extension Parser {
    /// Parses `a`, `"a b"`, `'a'` and dotted combinations like `a . "b.c" . d`.
    mutating func parseKey() throws(TOMLParseError) -> [KeyPart] {
        var parts: [KeyPart] = []
        while true {
            let start = pos
            let name = try parseSimpleKey()
            parts.append(KeyPart(name: name, offset: start))
            if parts.count > Parser.maxDepth { throw error("key has too many dotted parts", at: start) }
            skipWhitespace()
            guard peek == UInt8(ascii: ".") else { return parts }
            pos += 1
            skipWhitespace()
        }
    }

    mutating func parseSimpleKey() throws(TOMLParseError) -> String {
        switch peek {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                throw error("multi-line strings cannot be keys")
            }
            return try parseBasicString()
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                throw error("multi-line strings cannot be keys")
            }
            return try parseLiteralString()
        default:
            let start = pos
            while pos < bytes.count, isBareKeyByte(bytes[pos]) { pos += 1 }
            guard pos > start else {
                throw error(atEnd ? "expected a key, found end of input" : "expected a key, found '\(describe(peek))'")
            }
            return String(decoding: bytes[start..<pos], as: UTF8.self)
        }
    }
}

/// Bare keys are limited to ASCII letters, digits, `_` and `-`.
func isBareKeyByte(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
        return true
    default:
        return false
    }
}
