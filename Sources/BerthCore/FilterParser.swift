/// The recursive-descent parser of containerd's filter grammar (filters/parser.go):
///
///     selectors := selector ("," selector)*
///     selector  := fieldpath (operator value)?
///     fieldpath := field ("." field)*
///     field     := quoted | [A-Za-z0-9_-]+
///     operator  := "==" | "!=" | "~="
///     value     := quoted | [^\s,]+        (after "~=", also /.../ or |...|)
struct FilterParser {
    private var scanner: FilterScanner

    /// Parses a non-empty expression into the selectors that must all match.
    static func parse(_ input: String) throws(BerthError) -> [FilterSelector] {
        var parser = FilterParser(scanner: FilterScanner(input))
        return try parser.selectors()
    }

    private mutating func selectors() throws(BerthError) -> [FilterSelector] {
        var selectors = [try selector()]
        while true {
            switch scanner.peek() {
            case .scalar(","):
                let separator = scanner.scan()
                guard separator.token == .separator else { throw error(at: separator.position, "expected a separator") }
                selectors.append(try selector())
            case .eof:
                return selectors
            case .illegal:
                throw error(at: scanner.lookaheadPosition, "unexpected input: \u{FFFD}")
            case .scalar(let other):
                throw error(at: scanner.lookaheadPosition, "unexpected input: \(other)")
            }
        }
    }

    private mutating func selector() throws(BerthError) -> FilterSelector {
        let fieldpath = try self.fieldpath()
        switch scanner.peek() {
        case .scalar(","), .eof:
            return FilterSelector(fieldpath: fieldpath, operation: .present)
        default:
            break
        }
        let op = try operatorText()
        // Only regexps may use the alternative quotes, so `/` and `|` need no escaping there.
        let value = try self.value(allowingRegexpQuotes: op == "~=")
        switch op {
        case "==": return FilterSelector(fieldpath: fieldpath, operation: .equal(value))
        case "!=": return FilterSelector(fieldpath: fieldpath, operation: .notEqual(value))
        default:
            do {
                return FilterSelector(fieldpath: fieldpath, operation: .matches(try FilterPattern(value)))
            } catch {
                throw .invalidArgument("filters: failed to parse regular expression: \(error.message)")
            }
        }
    }

    private mutating func fieldpath() throws(BerthError) -> [String] {
        var fields = [try field()]
        while scanner.peek() == .scalar(".") {
            let separator = scanner.scan()
            guard separator.token == .separator else {
                throw error(at: separator.position, "expected a field separator (`.`)")
            }
            fields.append(try field())
        }
        return fields
    }

    private mutating func field() throws(BerthError) -> String {
        let scanned = scanner.scan()
        switch scanned.token {
        case .field: return scanned.text
        case .quoted: return try unquote(scanned, allowingRegexpQuotes: false)
        case .illegal: throw error(at: scanned.position, scanner.firstError ?? "")
        default: throw error(at: scanned.position, "expected field or quoted")
        }
    }

    /// Returns one of the three supported operators as written.
    private mutating func operatorText() throws(BerthError) -> String {
        let scanned = scanner.scan()
        switch scanned.token {
        case .operator:
            guard ["==", "!=", "~="].contains(scanned.text) else {
                throw error(at: scanned.position, "unsupported operator \(GoQuoting.quote(scanned.text))")
            }
            return scanned.text
        case .illegal:
            throw error(at: scanned.position, scanner.firstError ?? "")
        default:
            throw error(at: scanned.position, #"expected an operator ("=="|"!="|"~=")"#)
        }
    }

    private mutating func value(allowingRegexpQuotes: Bool) throws(BerthError) -> String {
        let scanned = scanner.scan()
        switch scanned.token {
        case .value, .field: return scanned.text
        case .quoted: return try unquote(scanned, allowingRegexpQuotes: allowingRegexpQuotes)
        case .illegal: throw error(at: scanned.position, scanner.firstError ?? "")
        default: throw error(at: scanned.position, "expected value or quoted")
        }
    }

    private func unquote(_ scanned: FilterScanner.Scanned, allowingRegexpQuotes: Bool) throws(BerthError) -> String {
        if !allowingRegexpQuotes && !scanned.text.hasPrefix("\"") {
            throw error(at: scanned.position, "invalid quote encountered")
        }
        guard let text = GoQuoting.unquote(scanned.text) else {
            throw error(at: scanned.position, "unquoting failed: quote syntax error")
        }
        return text
    }

    /// containerd's parseError: the input with the offending character fenced as `>|c|<`.
    private func error(at position: Int, _ message: String) -> BerthError {
        let input = scanner.input
        guard position < input.utf8.count else {
            return .invalidArgument("filters: parse error: [\(input)]: \(message)")
        }
        // Go fences one byte; fencing the whole character keeps the message valid UTF-8.
        let start = input.utf8.index(input.utf8.startIndex, offsetBy: position)
        let scalar = input.unicodeScalars[start]
        let end = input.utf8.index(start, offsetBy: UTF8.width(scalar))
        let before = String(input[..<start])
        let after = String(input[end...])
        return .invalidArgument("filters: parse error: [\(before) >|\(scalar)|< \(after)]: \(message)")
    }
}
