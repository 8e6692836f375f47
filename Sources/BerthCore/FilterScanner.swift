/// The tokenizer of containerd's filter syntax (filters/scanner.go).
/// Positions are UTF-8 byte offsets, because containerd's error messages cut the input there.
struct FilterScanner {
    enum Token: Equatable {
        case eof, illegal, quoted, value, field, separator, `operator`
        /// A character that starts no token; the parser reports it.
        case other(Unicode.Scalar)
    }

    /// One step of reading, like Go's rune with its negative sentinels:
    /// a character, the end, or a character the syntax forbids (NUL, U+FFFD).
    enum Rune: Equatable {
        case eof, illegal
        case scalar(Unicode.Scalar)
    }

    struct Scanned: Equatable {
        var position: Int
        var token: Token
        var text: String
    }

    let input: String
    private let bytes: [UInt8]
    private let scalars: [Unicode.Scalar]
    /// Byte offset where each scalar starts, plus the input's byte count at the end.
    private let offsets: [Int]
    /// Index of the current scalar and of the one after it (Go's `pos` and `ppos`).
    private var current = 0
    private var following = 0
    /// After an operator, the next plain run is a value, which allows more characters than a field.
    private var expectingValue = false
    /// containerd keeps only the first scanning error and reports it for every illegal token.
    private(set) var firstError: String?

    init(_ input: String) {
        self.input = input
        bytes = Array(input.utf8)
        scalars = Array(input.unicodeScalars)
        var offsets: [Int] = []
        offsets.reserveCapacity(scalars.count + 1)
        var offset = 0
        for scalar in scalars {
            offsets.append(offset)
            offset += UTF8.width(scalar)
        }
        offsets.append(offset)
        self.offsets = offsets
    }

    /// Byte offset just after the last character read; containerd reports "unexpected input" there.
    var lookaheadPosition: Int { offsets[following] }

    mutating func peek() -> Rune {
        let saved = (current, following)
        let character = next()
        (current, following) = saved
        return character
    }

    mutating func scan() -> Scanned {
        var character = next()
        var start = current
        while true {
            guard case .scalar(let scalar) = character else {
                return Scanned(position: offsets[current], token: character == .eof ? .eof : .illegal, text: "")
            }
            if Self.isQuote(scalar) {
                let terminated = scanQuoted(scalar)
                return token(terminated ? .quoted : .illegal, from: start)
            }
            if scalar == "," || scalar == "." {
                expectingValue = false
                return token(.separator, from: start)
            }
            if Self.isOperator(scalar) {
                skip(while: Self.isOperator)
                expectingValue = true
                return token(.operator, from: start)
            }
            if scalar.properties.isWhitespace {
                character = next()
                start = current
                continue
            }
            if expectingValue {
                skip(while: Self.isValue)
                expectingValue = false
                return token(.value, from: start)
            }
            if Self.isField(scalar) {
                skip(while: Self.isField)
                return token(.field, from: start)
            }
            return Scanned(position: offsets[current], token: .other(scalar), text: "")
        }
    }

    private mutating func next() -> Rune {
        if current >= scalars.count { return .eof }
        current = following
        guard following < scalars.count else { return .eof }
        let scalar = scalars[following]
        following += 1
        // Go decodes a literal U+FFFD as utf8.RuneError and rejects it.
        if scalar == "\u{FFFD}" {
            record("rune error")
            return .illegal
        }
        if scalar == "\0" {
            record("unexpected null")
            return .illegal
        }
        return .scalar(scalar)
    }

    private func token(_ token: Token, from start: Int) -> Scanned {
        let text = bytes[offsets[start]..<offsets[following]]
        return Scanned(position: offsets[start], token: token, text: String(decoding: text, as: UTF8.self))
    }

    private mutating func skip(while accepts: (Unicode.Scalar) -> Bool) {
        while case .scalar(let scalar) = peek(), accepts(scalar) {
            _ = next()
        }
    }

    private mutating func record(_ message: String) {
        if firstError == nil { firstError = message }
    }
}

// MARK: - Quoted literals

extension FilterScanner {
    /// Reads up to the closing quote; false when the literal is unterminated or has a bad escape.
    private mutating func scanQuoted(_ quote: Unicode.Scalar) -> Bool {
        var legal = true
        var character = next()
        while character != .scalar(quote) {
            guard case .scalar(let scalar) = character, scalar != "\n" else {
                record("quoted literal not terminated")
                return false
            }
            if scalar == "\\" {
                let (after, escapeLegal) = scanEscape(quote)
                character = after
                legal = legal && escapeLegal
            } else {
                character = next()
            }
        }
        return legal
    }

    /// Reads the escape after a backslash; returns the character following it.
    private mutating func scanEscape(_ quote: Unicode.Scalar) -> (Rune, Bool) {
        let character = next()
        guard case .scalar(let scalar) = character else {
            record("illegal escape sequence")
            return (character, false)
        }
        switch scalar {
        case "a", "b", "f", "n", "r", "t", "v", "\\", quote:
            return (next(), true)
        case "0"..."7":
            return scanDigits(character, base: 8, count: 3)
        case "x":
            return scanDigits(next(), base: 16, count: 2)
        case "u":
            return scanDigits(next(), base: 16, count: 4)
        case "U":
            return scanDigits(next(), base: 16, count: 8)
        default:
            record("illegal escape sequence")
            return (character, false)
        }
    }

    private mutating func scanDigits(_ first: Rune, base: UInt32, count: Int) -> (Rune, Bool) {
        var character = first
        var remaining = count
        while remaining > 0, Self.digitValue(character) < base {
            character = next()
            remaining -= 1
        }
        if remaining > 0 {
            record("illegal numeric escape sequence")
            return (character, false)
        }
        return (character, true)
    }
}

// MARK: - Character classes

extension FilterScanner {
    private static func digitValue(_ character: Rune) -> UInt32 {
        guard case .scalar(let scalar) = character else { return 16 }
        switch scalar {
        case "0"..."9": return scalar.value - 0x30
        case "a"..."f": return scalar.value - 0x61 + 10
        case "A"..."F": return scalar.value - 0x41 + 10
        default: return 16
        }
    }

    static func isQuote(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "/" || scalar == "|" || scalar == "\""
    }

    static func isOperator(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "=" || scalar == "!" || scalar == "~"
    }

    static func isField(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "-", "_": true
        default: false
        }
    }

    /// Go's test: not a comma or space, and a letter, digit, number, graphic or punctuation rune.
    static func isValue(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "," || scalar.properties.isWhitespace { return false }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
             .spaceSeparator:
            return true
        default:
            return false
        }
    }
}
