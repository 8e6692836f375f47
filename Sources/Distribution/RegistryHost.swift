/// One endpoint that serves a registry's API: the registry itself or a mirror from hosts.toml.
public struct RegistryHost: Sendable, Hashable {
    /// "https" or "http".
    public var scheme: String
    /// `host[:port]` as used in URLs.
    public var host: String
    /// The API root, normally "/v2".
    public var path: String
    public var capabilities: HostCapabilities
    public var tls: TLSSettings
    /// Extra request headers (hosts.toml `[header]`).
    public var headers: [String: [String]]

    public init(
        scheme: String = "https", host: String, path: String = "/v2", capabilities: HostCapabilities = .all,
        tls: TLSSettings = TLSSettings(), headers: [String: [String]] = [:]
    ) {
        self.scheme = scheme
        self.host = host
        self.path = path
        self.capabilities = capabilities
        self.tls = tls
        self.headers = headers
    }

    /// `scheme://host/v2`, without a trailing slash.
    public var baseURL: String {
        var root = path
        while root.hasSuffix("/") { root.removeLast() }
        return "\(scheme)://\(host)\(root)"
    }

    /// The URL of `repository`'s `kind` endpoint (`manifests`, `blobs`, `blobs/uploads/`) for `object`.
    func url(repository: String, _ components: String...) -> String {
        ([baseURL, repository] + components).joined(separator: "/")
    }
}
