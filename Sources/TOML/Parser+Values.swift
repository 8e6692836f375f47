/// Value dispatch plus arrays and inline tables. Recursion here is bounded by `Parser.maxDepth`.
extension Parser {
    mutating func parseValue(depth: Int) throws(TOMLParseError) -> TOMLValue {
        if depth > Parser.maxDepth { throw error("nesting deeper than \(Parser.maxDepth) levels") }
        let quote2 = peek(1) == peek && peek(2) == peek
        switch peek {
        case UInt8(ascii: "\""):
            return .string(quote2 ? try parseMultilineString(literal: false) : try parseBasicString())
        case UInt8(ascii: "'"):
            return .string(quote2 ? try parseMultilineString(literal: true) : try parseLiteralString())
        case UInt8(ascii: "["):
            return try parseArray(depth: depth)
        case UInt8(ascii: "{"):
            return try parseInlineTable(depth: depth)
        default:
            return try parseScalar()
        }
    }

    /// `[ v, v, ]`: newlines, comments and a trailing comma are allowed.
    mutating func parseArray(depth: Int) throws(TOMLParseError) -> TOMLValue {
        let start = pos
        pos += 1
        var items: [TOMLValue] = []
        while true {
            try skipTrivia()
            if atEnd { throw error("unterminated array", at: start) }
            if peek == UInt8(ascii: "]") {
                pos += 1
                return .array(items)
            }
            items.append(try parseValue(depth: depth + 1))
            try skipTrivia()
            switch peek {
            case UInt8(ascii: ","):
                pos += 1
            case UInt8(ascii: "]"):
                pos += 1
                return .array(items)
            default:
                if atEnd { throw error("unterminated array", at: start) }
                throw error("expected ',' or ']' in array, found '\(describe(peek))'")
            }
        }
    }

    /// `{ k = v, a.b = v }`: one line, no trailing comma; the result is frozen as a value.
    mutating func parseInlineTable(depth: Int) throws(TOMLParseError) -> TOMLValue {
        let start = pos
        pos += 1
        let node = Node(kind: .dotted, depth: depth)
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            pos += 1
            return .table(node.freeze())
        }
        while true {
            skipWhitespace()
            if atEnd { throw error("unterminated inline table", at: start) }
            try parseKeyValue(into: node)
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","):
                pos += 1
            case UInt8(ascii: "}"):
                pos += 1
                return .table(node.freeze())
            default:
                if atEnd || peek == 0x0A || peek == 0x0D { throw error("unterminated inline table", at: start) }
                throw error("expected ',' or '}' in inline table, found '\(describe(peek))'")
            }
        }
    }

    /// Booleans, numbers and date-times: read one token, then classify it.
    mutating func parseScalar() throws(TOMLParseError) -> TOMLValue {
        let start = pos
        while pos < bytes.count, isTokenByte(bytes[pos]) { pos += 1 }
        // "1979-05-27 07:32:00": a date may be followed by a space and a time.
        if pos - start == 10, peek == 0x20, isDigit(peek(1)), isDigit(peek(2)), peek(3) == UInt8(ascii: ":"),
            isDateAt(start)
        {
            pos += 1
            while pos < bytes.count, isTokenByte(bytes[pos]) { pos += 1 }
        }
        let token = Array(bytes[start..<pos])
        if token.isEmpty {
            throw error(atEnd ? "expected a value, found end of input" : "expected a value, found '\(describe(peek))'")
        }
        if token == Array("true".utf8) { return .boolean(true) }
        if token == Array("false".utf8) { return .boolean(false) }
        if token.contains(UInt8(ascii: ":")) || (token.count >= 10 && isDateAt(start)) {
            guard isValidDateTime(token) else { throw error("invalid date-time", at: start) }
            return .dateTime(String(decoding: token, as: UTF8.self))
        }
        guard let value = parseNumber(token) else { throw error("invalid value", at: start) }
        return value
    }

    /// True when `YYYY-MM-DD` shape (not yet range-checked) starts at `i`.
    func isDateAt(_ i: Int) -> Bool {
        guard i + 10 <= bytes.count else { return false }
        let b = bytes[i..<(i + 10)]
        return b.enumerated().allSatisfy { n, c in (n == 4 || n == 7) ? c == UInt8(ascii: "-") : isDigit(c) }
    }
}

func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

/// Characters that can appear in numbers, booleans and date-times.
func isTokenByte(_ b: UInt8) -> Bool {
    isBareKeyByte(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
}
