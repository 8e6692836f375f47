/// One challenge of a `WWW-Authenticate` header: `Bearer realm="...",service="...",scope="..."`.
struct AuthChallenge: Sendable, Equatable {
    enum Scheme: Sendable, Equatable {
        case basic, bearer
        case other(String)
    }

    var scheme: Scheme
    /// Parameter names are lowercased; values are unquoted.
    var parameters: [String: String]

    /// All challenges in the header values, in order (a header may hold several).
    static func parse(_ headers: [String]) -> [AuthChallenge] {
        headers.flatMap(parse(header:))
    }

    static func parse(header: String) -> [AuthChallenge] {
        var scanner = Scanner(Array(header.utf8))
        var challenges: [AuthChallenge] = []
        while true {
            scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\t") }
            let schemeName = scanner.token()
            if schemeName.isEmpty { break }
            var challenge = AuthChallenge(scheme: scheme(schemeName), parameters: [:])
            // Parameters until the next bare token that is not followed by "=" (the next scheme).
            while true {
                scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                let mark = scanner.position
                let name = scanner.token()
                scanner.skip { $0 == UInt8(ascii: " ") }
                guard !name.isEmpty, scanner.consume(UInt8(ascii: "=")) else {
                    scanner.position = mark
                    break
                }
                scanner.skip { $0 == UInt8(ascii: " ") }
                let value = scanner.peek == UInt8(ascii: "\"") ? scanner.quoted() : scanner.bare()
                challenge.parameters[name.lowercased()] = value
                scanner.skip { $0 == UInt8(ascii: " ") }
                if !scanner.consume(UInt8(ascii: ",")) { break }
            }
            challenges.append(challenge)
            if scanner.atEnd { break }
        }
        return challenges
    }

    private static func scheme(_ name: String) -> Scheme {
        switch name.lowercased() {
        case "basic": .basic
        case "bearer": .bearer
        default: .other(name)
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[position] }

        mutating func skip(while predicate: (UInt8) -> Bool) {
            while let byte = peek, predicate(byte) { position += 1 }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            position += 1
            return true
        }

        /// An RFC 7230 token.
        mutating func token() -> String {
            let start = position
            let separators = Set("()<>@,;:\\\"/[]?={} \t".utf8)
            skip { $0 > 0x20 && $0 < 0x7F && !separators.contains($0) }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        /// An unquoted value, lenient like Go's parser: anything up to a comma or blank.
        mutating func bare() -> String {
            let start = position
            skip { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        /// A quoted string with backslash escapes; the opening quote is at `position`.
        mutating func quoted() -> String {
            position += 1
            var value: [UInt8] = []
            while let byte = peek {
                position += 1
                if byte == UInt8(ascii: "\"") { break }
                if byte == UInt8(ascii: "\\"), let next = peek {
                    value.append(next)
                    position += 1
                } else {
                    value.append(byte)
                }
            }
            return String(decoding: value, as: UTF8.self)
        }
    }
}
