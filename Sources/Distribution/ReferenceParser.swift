import BerthCore

/// docker's reference grammar (distribution/reference), hand-written instead of regular
/// expressions so every rejection can say which rule failed.
///
///     reference := name [ ":" tag ] [ "@" digest ]
///     name      := domain "/" path-component ["/" path-component]*
///     domain    := domain-component ["." domain-component]* [":" port]
enum ReferenceParser {
    static let maxTagLength = 128

    static func parse(_ text: String) throws -> Reference {
        func invalid(_ reason: String) -> BerthError {
            BerthError.invalidArgument("invalid reference \"\(text)\": \(reason)")
        }
        if text.isEmpty { throw invalid("repository name must have at least one component") }
        if isHexIdentifier(text) {
            throw invalid("invalid repository name, cannot specify 64-byte hexadecimal strings")
        }
        let (domain, remainder) = splitDomain(text)
        // docker checks case before the grammar so the error says what is wrong.
        let remoteName = remainder.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)[0]
        if remoteName.lowercased() != remoteName { throw invalid("repository name must be lowercase") }

        var namePart = Substring(remainder)
        var digest: Digest?
        if let at = namePart.firstIndex(of: "@") {
            let digestText = String(namePart[namePart.index(after: at)...])
            namePart = namePart[..<at]
            guard isDigestSyntax(digestText) else { throw invalid("invalid reference format") }
            do {
                digest = try Digest(parsing: digestText)
            } catch let error as BerthError {
                throw invalid(error.message)
            }
        }
        var tag: String?
        let lastSlash = namePart.lastIndex(of: "/") ?? namePart.startIndex
        if let colon = namePart[lastSlash...].lastIndex(of: ":") {
            let tagText = String(namePart[namePart.index(after: colon)...])
            guard isTag(tagText) else { throw invalid("invalid reference format") }
            tag = tagText
            namePart = namePart[..<colon]
        }
        guard isDomain(domain) else { throw invalid("invalid reference format") }
        let components = namePart.split(separator: "/", omittingEmptySubsequences: false)
        guard components.allSatisfy(isPathComponent) else { throw invalid("invalid reference format") }
        let path = String(namePart)
        if domain.utf8.count + 1 + path.utf8.count > Reference.maxNameLength {
            throw invalid("repository name must not be more than \(Reference.maxNameLength) characters")
        }
        if tag == nil, digest == nil { tag = Reference.defaultTag }
        return Reference(validatedDomain: domain, path: path, tag: tag, digest: digest)
    }

    /// docker's splitDockerDomain: the first component is a registry only if it looks like one.
    static func splitDomain(_ text: String) -> (String, String) {
        var domain = Reference.dockerHubDomain
        var remainder = text
        if let slash = text.firstIndex(of: "/") {
            let first = text[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" {
                domain = String(first)
                remainder = String(text[text.index(after: slash)...])
            }
        }
        if domain == "index.docker.io" { domain = Reference.dockerHubDomain }
        if domain == Reference.dockerHubDomain, !remainder.contains("/") {
            remainder = "library/" + remainder
        }
        return (domain, remainder)
    }

    static func isHexIdentifier(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy(isLowerHex)
    }

    /// `[a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*`
    static func isPathComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else {
            return false
        }
        var index = 0
        while index < bytes.count {
            if isLowerAlnum(bytes[index]) {
                index += 1
                continue
            }
            var end = index
            while end < bytes.count, !isLowerAlnum(bytes[end]) { end += 1 }
            let separator = bytes[index..<end]
            let allDashes = separator.allSatisfy { $0 == UInt8(ascii: "-") }
            let allowed = allDashes || separator.elementsEqual(".".utf8) || separator.elementsEqual("_".utf8)
                || separator.elementsEqual("__".utf8)
            if !allowed { return false }
            index = end
        }
        return true
    }

    /// `component ("." component)* (":" [0-9]+)?` where a component is alphanumeric with inner dashes.
    static func isDomain(_ domain: String) -> Bool {
        var host = Substring(domain)
        if let colon = domain.firstIndex(of: ":") {
            let port = domain[domain.index(after: colon)...]
            guard !port.isEmpty, port.utf8.allSatisfy(isDigit) else { return false }
            host = domain[..<colon]
        }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { component in
            let bytes = Array(component.utf8)
            guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
            return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    /// `[\w][\w.-]{0,127}` with ASCII word characters.
    static func isTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard let first = bytes.first, bytes.count <= maxTagLength, isWord(first) else { return false }
        return bytes.allSatisfy { isWord($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// `[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`; the algorithm and
    /// length are then checked by Digest.
    static func isDigestSyntax(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":") else { return false }
        let algorithm = Array(text[..<colon].utf8)
        let hex = text[text.index(after: colon)...].utf8
        guard hex.count >= 32, hex.allSatisfy(isHex) else { return false }
        var expectLetter = true
        for byte in algorithm {
            if expectLetter {
                guard isLetter(byte) else { return false }
                expectLetter = false
            } else if "-_+.".utf8.contains(byte) {
                expectLetter = true
            } else if !isAlnum(byte) {
                return false
            }
        }
        return !expectLetter
    }

    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    static func isAlnum(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    static func isLowerAlnum(_ byte: UInt8) -> Bool { isDigit(byte) || (0x61...0x7A).contains(byte) }
    static func isWord(_ byte: UInt8) -> Bool { isAlnum(byte) || byte == UInt8(ascii: "_") }
    static func isLowerHex(_ byte: UInt8) -> Bool { isDigit(byte) || (0x61...0x66).contains(byte) }
    static func isHex(_ byte: UInt8) -> Bool { isLowerHex(byte) || (0x41...0x46).contains(byte) }
}
