import BerthCore

/// Image references as containerd's archive package treats them: Docker's normalisation (reference/docker),
/// containerd's own locator/object split (reference), and ctr import's name translators. The grammar is checked
/// by hand, in linear time, rather than with a backtracking regular expression that a hostile name could stall.
enum References {
    struct DockerReference: Equatable {
        var domain: String
        var path: String
        var tag: String?
        var digest: String?

        var name: String { domain.isEmpty ? path : domain + "/" + path }

        var string: String {
            var text = name
            if let tag { text += ":" + tag }
            if let digest { text += "@" + digest }
            return text
        }

        /// FamiliarString: docker.io and library/ left out.
        var familiar: String {
            var reference = self
            if reference.domain == "docker.io" {
                reference.domain = ""
                let parts = reference.path.split(separator: "/", omittingEmptySubsequences: false)
                if parts.count == 2, parts[0] == "library" { reference.path = String(parts[1]) }
            }
            return reference.string
        }
    }

    /// reference/docker.Parse.
    static func parse(_ text: String) throws -> DockerReference {
        guard let reference = try parseGrammar(text) else {
            if text.isEmpty { throw BerthError.invalidArgument("repository name must have at least one component") }
            if try parseGrammar(text.lowercased()) != nil {
                throw BerthError.invalidArgument("repository name must be lowercase")
            }
            throw BerthError.invalidArgument("invalid reference format")
        }
        return reference
    }

    /// ParseNormalizedNamed: docker.io and library/ filled in.
    static func parseNormalizedNamed(_ text: String) throws -> DockerReference {
        if text.utf8.count == 64, text.utf8.allSatisfy(isLowerHex) {
            throw BerthError.invalidArgument(
                "invalid repository name (\(text)), cannot specify 64-byte hexadecimal strings")
        }
        var domain: String
        var remainder: String
        if let slash = text.firstIndex(of: "/") {
            let first = String(text[..<slash])
            if !first.contains(".") && !first.contains(":") && first != "localhost" {
                domain = "docker.io"
                remainder = text
            } else {
                domain = first
                remainder = String(text[text.index(after: slash)...])
            }
        } else {
            domain = "docker.io"
            remainder = text
        }
        if domain == "index.docker.io" { domain = "docker.io" }
        if domain == "docker.io" && !remainder.contains("/") { remainder = "library/" + remainder }
        let remoteName = remainder.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard remoteName.lowercased() == remoteName else {
            throw BerthError.invalidArgument("invalid reference format: repository name must be lowercase")
        }
        return try parse(domain + "/" + remainder)
    }

    /// ParseDockerRef: normalised, `latest` when neither tag nor digest, digest only when both.
    static func normalize(_ text: String) throws -> String {
        do {
            var reference = try parseNormalizedNamed(text)
            if reference.digest != nil {
                reference.tag = nil
            } else if reference.tag == nil {
                reference.tag = "latest"
            }
            return reference.string
        } catch let error as BerthError {
            throw BerthError.invalidArgument("normalize image ref \"\(text)\": \(error.message)")
        }
    }

    /// The exporter's familiarizeReference: `docker.io/library/busybox` → `busybox:latest`.
    static func familiarize(_ text: String) throws -> String {
        do {
            var reference = try parseNormalizedNamed(text)
            if reference.tag == nil && reference.digest == nil { reference.tag = "latest" }
            return reference.familiar
        } catch let error as BerthError {
            throw BerthError.invalidArgument("failed to parse \"\(text)\": \(error.message)")
        }
    }

    /// ociReferenceName: the object (tag, or `@digest`) of containerd's reference.Parse, else the whole name.
    static func ociReferenceName(_ name: String) -> String {
        containerdObject(name) ?? name
    }

    /// ctr import's translators: a bare tag becomes `<image>:<tag>`; a full reference is kept, or, with
    /// `checkPrefix` (--base-name given), dropped ("") unless it names `image`.
    static func translate(_ reference: String, image: String, checkPrefix: Bool) -> String {
        if reference.contains(where: { $0 == "/" || $0 == ":" || $0 == "@" }) {
            if checkPrefix && !isImagePrefix(reference, image) { return "" }
            return reference
        }
        return image + ":" + reference
    }

    static func isImagePrefix(_ text: String, _ prefix: String) -> Bool {
        guard text.hasPrefix(prefix) else { return false }
        let rest = text.utf8.dropFirst(prefix.utf8.count)
        guard let next = rest.first else { return true }
        return next == UInt8(ascii: "/") || next == UInt8(ascii: ":") || next == UInt8(ascii: "@")
    }

    // MARK: Grammar

    private static func parseGrammar(_ text: String) throws -> DockerReference? {
        var rest = Substring(text)
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            let candidate = String(rest[rest.index(after: at)...])
            guard isDigestGrammar(candidate) else { return nil }
            rest = rest[..<at]
            digest = candidate
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let candidate = String(rest[rest.index(after: colon)...])
            guard isTag(candidate) else { return nil }
            tag = candidate
            rest = rest[..<colon]
        }
        let components = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard let first = components.first else { return nil }
        let domain: String
        if components.count >= 2, isDomain(first), components.dropFirst().allSatisfy(isNameComponent) {
            domain = String(first)
        } else if components.allSatisfy(isNameComponent) {
            domain = ""
        } else {
            return nil
        }
        guard rest.utf8.count <= 255 else {
            throw BerthError.invalidArgument("repository name must not be more than 255 characters")
        }
        if let digest { _ = try Digest(parsing: digest) }
        let path = domain.isEmpty ? String(rest) : components.dropFirst().joined(separator: "/")
        return DockerReference(domain: domain, path: path, tag: tag, digest: digest)
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (0x41...0x5A).contains(byte)
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte)
    }

    /// `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*`
    private static func isNameComponent(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var index = 0
        while index < bytes.count {
            if isLowerAlnum(bytes[index]) {
                index += 1
                continue
            }
            var end = index
            while end < bytes.count && !isLowerAlnum(bytes[end]) { end += 1 }
            let separator = bytes[index..<end]
            let valid = separator.elementsEqual([UInt8(ascii: ".")]) || separator.elementsEqual([UInt8(ascii: "_")])
                || separator.elementsEqual([UInt8(ascii: "_"), UInt8(ascii: "_")])
                || separator.allSatisfy { $0 == UInt8(ascii: "-") }
            guard valid else { return false }
            index = end
        }
        return true
    }

    /// `component(\.component)*(:[0-9]+)?` with components `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?`.
    private static func isDomain(_ text: Substring) -> Bool {
        var host = text
        if let colon = text.firstIndex(of: ":") {
            let port = text[text.index(after: colon)...]
            guard !port.isEmpty, port.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return false }
            host = text[..<colon]
        }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { component in
            let bytes = Array(component.utf8)
            guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
            return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    /// `[\w][\w.-]{0,127}`
    private static func isTag(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func word(_ byte: UInt8) -> Bool { isAlnum(byte) || byte == UInt8(ascii: "_") }
        guard let first = bytes.first, word(first), bytes.count <= 128 else { return false }
        return bytes.allSatisfy { word($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}`
    private static func isDigestGrammar(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":") else { return false }
        let algorithm = text[..<colon], encoded = text[text.index(after: colon)...]
        guard encoded.utf8.count >= 32,
              encoded.utf8.allSatisfy({ isAlnum($0) && ($0 <= 0x39 || (0x41...0x46).contains($0) || (0x61...0x66).contains($0)) })
        else { return false }
        for part in algorithm.split(omittingEmptySubsequences: false, whereSeparator: { "-_+.".contains($0) }) {
            let bytes = Array(part.utf8)
            guard let first = bytes.first, isAlnum(first), first > 0x39, bytes.allSatisfy(isAlnum) else { return false }
        }
        return true
    }

    // MARK: containerd's reference.Parse, through Go's url.Parse("dummy://" + s)

    private static func containerdObject(_ text: String) -> String? {
        guard !text.contains("://") else { return nil }
        guard !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return nil }
        var rest = Substring(text)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        if let question = rest.firstIndex(of: "?") { rest = rest[..<question] }
        let authority: Substring
        let rawPath: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            rawPath = rest[slash...]
        } else {
            authority = rest
            rawPath = ""
        }
        var host = authority
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            let allowed = Set("-._:~!$&'()*+,;=%@".utf8)
            guard userinfo.utf8.allSatisfy({ isAlnum($0) || allowed.contains($0) }) else { return nil }
            host = authority[authority.index(after: at)...]
        }
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            guard after.isEmpty || (after.hasPrefix(":") && after.dropFirst().utf8.allSatisfy({ (0x30...0x39).contains($0) })) else {
                return nil
            }
        } else {
            if let colon = host.lastIndex(of: ":") {
                guard host[host.index(after: colon)...].utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            }
            let allowed = Set("-_.~!$&'()*+,;=:<>\"".utf8)
            guard host.utf8.allSatisfy({ $0 >= 0x80 || isAlnum($0) || allowed.contains($0) }) else { return nil }
        }
        guard !host.isEmpty else { return nil }
        guard let path = percentDecode(rawPath) else { return nil }
        guard let split = path.firstIndex(where: { $0 == ":" || $0 == "@" }) else { return "" }
        var object = path[split...]
        if object.hasPrefix(":") { object = object.dropFirst() }
        return String(object)
    }

    private static func percentDecode(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
