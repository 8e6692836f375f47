import BerthCore

/// An image reference, normalized the way docker and containerd do it: `alpine` is
/// `docker.io/library/alpine:latest`, `localhost:5000/a/b@sha256:...` keeps its registry.
public struct Reference: Sendable, Hashable, CustomStringConvertible {
    /// Docker Hub's canonical domain; `index.docker.io` is rewritten to it.
    public static let dockerHubDomain = "docker.io"
    public static let defaultTag = "latest"
    /// Longest repository name (domain and path) that docker accepts.
    public static let maxNameLength = 255

    /// The registry, `host[:port]`.
    public let domain: String
    /// The repository path inside the registry, `library/alpine`.
    public let path: String
    /// The tag; `latest` when the reference named neither a tag nor a digest.
    public let tag: String?
    public let digest: Digest?

    /// Parses and normalizes `text`; a bad reference is invalidArgument saying why.
    public init(parsing text: String) throws {
        self = try ReferenceParser.parse(text)
    }

    /// A reference from already-split parts, validated like a parsed one.
    public init(domain: String, path: String, tag: String? = nil, digest: Digest? = nil) throws {
        var text = "\(domain)/\(path)"
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        let parsed = try ReferenceParser.parse(text)
        guard parsed.domain == domain, parsed.path == path else {
            throw BerthError.invalidArgument("invalid reference \"\(text)\": repository name must be canonical")
        }
        self = parsed
    }

    init(validatedDomain domain: String, path: String, tag: String?, digest: Digest?) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    /// `domain/path`, the repository's full name.
    public var name: String { "\(domain)/\(path)" }

    /// The normalized reference: `name[:tag][@digest]`.
    public var string: String {
        var text = name
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    public var description: String { string }

    /// The short name docker prints: `alpine` for `docker.io/library/alpine`.
    public var familiarName: String {
        guard domain == Self.dockerHubDomain else { return name }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        if components.count == 2, components[0] == "library" { return String(components[1]) }
        return path
    }

    /// The familiar name with the tag and digest: `alpine:latest`.
    public var familiarString: String {
        var text = familiarName
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// What a registry's manifests endpoint is asked for: the digest when there is one, else the tag.
    public var object: String { digest?.description ?? tag ?? Self.defaultTag }

    /// The same repository with another tag (and no digest).
    public func withTag(_ tag: String) throws -> Reference {
        try Reference(domain: domain, path: path, tag: tag)
    }

    /// The same repository pinned to `digest` (the tag is kept, as docker does).
    public func withDigest(_ digest: Digest) -> Reference {
        Reference(validatedDomain: domain, path: path, tag: tag, digest: digest)
    }
}
