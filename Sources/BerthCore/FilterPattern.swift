/// The regular expression of a `~=` selector, matched the way Go's regexp.MatchString does:
/// unanchored, over Unicode scalars, with ASCII-only `\d`, `\s`, `\w` and `\b`.
struct FilterPattern: @unchecked Sendable {
    // Regex is not marked Sendable, but it is an immutable value once built and lowered (see init).
    let source: String
    private let regex: Regex<AnyRegexOutput>

    /// Throws the regexp's own complaint, in Go's shape: "error parsing regexp: <reason>: `<pattern>`".
    init(_ source: String) throws(BerthError) {
        self.source = source
        do {
            regex = try Regex(Self.translatingGoSyntax(source))
                .matchingSemantics(.unicodeScalar)
                .asciiOnlyCharacterClasses()
                .wordBoundaryKind(.simple)
        } catch {
            throw BerthError.invalidArgument("error parsing regexp: \(error): `\(source)`")
        }
        // Matching once compiles the program now, so concurrent matches share a finished one.
        _ = matches("")
    }

    func matches(_ value: String) -> Bool {
        (try? regex.firstMatch(in: value)) != nil
    }

    /// Go accepts one-letter Unicode classes without braces (`\pL`); Swift needs `\p{L}`.
    static func translatingGoSyntax(_ pattern: String) -> String {
        var out = ""
        var scalars = pattern.unicodeScalars[...]
        while let scalar = scalars.popFirst() {
            out.unicodeScalars.append(scalar)
            guard scalar == "\\", let escaped = scalars.popFirst() else { continue }
            out.unicodeScalars.append(escaped)
            if escaped == "p" || escaped == "P", let name = scalars.first, name != "{", name.properties.isAlphabetic {
                scalars.removeFirst()
                out += "{\(name)}"
            }
        }
        return out
    }
}
