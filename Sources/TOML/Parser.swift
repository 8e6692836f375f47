/// Byte-level TOML 1.0 parser. It never traps on input: every failure is a
/// `TOMLParseError`, and nesting is bounded by `maxDepth` so recursion stays shallow.
struct Parser {
    /// Deeper nesting of tables/arrays than this is rejected instead of risking the stack.
    static let maxDepth = 128

    let bytes: [UInt8]
    var pos = 0
    let root = Node(kind: .explicit, depth: 0)
    /// The table that key/value lines currently go into (changed by headers).
    var current: Node

    init(_ text: String) {
        bytes = Array(text.utf8)
        current = root
    }

    var atEnd: Bool { pos >= bytes.count }

    /// The byte at `pos`, or 0 at end of input (0 is never valid TOML text, so it acts as a sentinel).
    var peek: UInt8 { pos < bytes.count ? bytes[pos] : 0 }

    func peek(_ offset: Int) -> UInt8 {
        let i = pos + offset
        return i < bytes.count ? bytes[i] : 0
    }

    /// Builds an error whose line/column is computed lazily, only when something failed.
    func error(_ reason: String, at offset: Int? = nil) -> TOMLParseError {
        let end = min(offset ?? pos, bytes.count)
        var line = 1
        var column = 1
        for b in bytes[0..<end] {
            if b == 0x0A {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {  // count scalars, not UTF-8 continuation bytes
                column += 1
            }
        }
        return TOMLParseError(line: line, column: column, reason: reason)
    }

    mutating func parseDocument() throws(TOMLParseError) -> TOMLTable {
        while true {
            skipWhitespace()
            if atEnd { break }
            switch peek {
            case UInt8(ascii: "#"), 0x0A, 0x0D:
                try expectLineEnd()
            case UInt8(ascii: "["):
                try parseHeader()
                try expectLineEnd()
            default:
                try parseKeyValue(into: current)
                try expectLineEnd()
            }
        }
        return root.freeze()
    }

    /// Skips spaces and tabs only.
    mutating func skipWhitespace() {
        while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x09 { pos += 1 }
    }

    /// Requires an optional comment followed by a newline or the end of input.
    mutating func expectLineEnd() throws(TOMLParseError) {
        skipWhitespace()
        if peek == UInt8(ascii: "#") { try skipComment() }
        if atEnd { return }
        if try consumeNewline() { return }
        throw error("expected end of line, found '\(describe(peek))'")
    }

    /// Consumes LF or CRLF; a lone CR is an error.
    mutating func consumeNewline() throws(TOMLParseError) -> Bool {
        if peek == 0x0A {
            pos += 1
            return true
        }
        if peek == 0x0D {
            guard peek(1) == 0x0A else { throw error("carriage return not followed by line feed") }
            pos += 2
            return true
        }
        return false
    }

    /// Skips a `#` comment up to (not including) the newline, rejecting control characters.
    mutating func skipComment() throws(TOMLParseError) {
        pos += 1
        while pos < bytes.count {
            let b = bytes[pos]
            if b == 0x0A || (b == 0x0D && peek(1) == 0x0A) { return }
            if isControl(b) { throw error("control character in comment") }
            pos += 1
        }
    }

    /// Skips whitespace, newlines and comments (inside arrays).
    mutating func skipTrivia() throws(TOMLParseError) {
        while true {
            skipWhitespace()
            if peek == UInt8(ascii: "#") { try skipComment() }
            if atEnd { return }
            if try !consumeNewline() { return }
        }
    }

    /// Parses `[a.b]` or `[[a.b]]` and makes the named table current.
    mutating func parseHeader() throws(TOMLParseError) {
        let start = pos
        pos += 1
        let isArray = peek == UInt8(ascii: "[")
        if isArray { pos += 1 }
        skipWhitespace()
        let key = try parseKey()
        skipWhitespace()
        guard peek == UInt8(ascii: "]") else { throw error("expected ']' to close table header") }
        pos += 1
        if isArray {
            guard peek == UInt8(ascii: "]") else { throw error("expected ']]' to close array of tables header") }
            pos += 1
        }
        current = try root.openHeader(key, isArray: isArray, parser: self, at: start)
    }

    /// Parses `key = value` and inserts it into `table`.
    mutating func parseKeyValue(into table: Node) throws(TOMLParseError) {
        let key = try parseKey()
        skipWhitespace()
        guard peek == UInt8(ascii: "=") else { throw error("expected '=' after key, found '\(describe(peek))'") }
        pos += 1
        skipWhitespace()
        let target = try table.openDotted(key, parser: self)
        let value = try parseValue(depth: target.depth + 1)
        guard let last = key.last else { throw error("empty key") }
        try target.insert(last, value, parser: self)
    }
}

/// Control characters other than tab are forbidden in comments and strings.
func isControl(_ b: UInt8) -> Bool {
    (b < 0x20 && b != 0x09) || b == 0x7F
}

/// A printable description of a byte for error messages.
func describe(_ b: UInt8) -> String {
    if b == 0 { return "end of input" }
    if b == 0x0A { return "\\n" }
    if b == 0x0D { return "\\r" }
    if b < 0x20 || b >= 0x7F { return "\\u{\(String(b, radix: 16))}" }
    return String(UnicodeScalar(b))
}
