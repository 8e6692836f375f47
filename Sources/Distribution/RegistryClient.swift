import AsyncHTTPClient
import BerthCore
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// An OCI distribution client: resolve tags, fetch and push manifests and blobs, across the
/// endpoints that RegistryHosts gives for a registry (mirrors first). Call `shutdown()` when done;
/// it closes the HTTP clients (one per distinct TLS setup).
public final class RegistryClient: Sendable {
    public let hosts: RegistryHosts
    public let configuration: Configuration
    let transport: HTTPTransport
    let authorizer: Authorizer
    let logger: Logger
    /// hosts.toml is read once per registry for the client's lifetime.
    private let hostCache = Mutex<[String: [RegistryHost]]>([:])

    /// - Parameter credentials: asked for a host's user and secret when it demands authentication.
    public init(
        hosts: RegistryHosts = RegistryHosts(), credentials: CredentialProvider? = nil,
        configuration: Configuration = Configuration(), logger: Logger = Logger(label: "berth.distribution")
    ) {
        self.hosts = hosts
        self.configuration = configuration
        self.logger = logger
        let transport = HTTPTransport(configuration: configuration)
        self.transport = transport
        self.authorizer = Authorizer(credentials: credentials) { url, authorization, tls in
            var request = RegistryRequest(method: .GET, url: url)
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            let response = try await transport.send(request, tls: tls, auth: nil)
            let body = try await Self.collect(response.body, limit: 1 << 20, what: "token response", url: url)
            return (response.status.code, body)
        }
    }

    /// Closes connections. The client cannot be used afterwards.
    public func shutdown() async throws {
        try await transport.shutdown()
    }

    /// The endpoints of `reference`'s registry that offer `capability`.
    func endpoints(_ reference: Reference, _ capability: HostCapabilities) throws -> [RegistryHost] {
        let all: [RegistryHost]
        if let cached = hostCache.withLock({ $0[reference.domain] }) {
            all = cached
        } else {
            all = try hosts.hosts(for: reference.domain)
            hostCache.withLock { $0[reference.domain] = all }
        }
        let usable = all.filter { $0.capabilities.contains(capability) }
        guard !usable.isEmpty else {
            throw BerthError.failedPrecondition("no host for \(reference.domain) is configured to \(Self.verb(capability))")
        }
        return usable
    }

    /// Sends a request to one endpoint, signed for it.
    func send(_ request: RegistryRequest, to host: RegistryHost) async throws -> HTTPClientResponse {
        try await transport.send(
            request, tls: host.tls, auth: AuthContext(authorizer: authorizer, authority: host.host, tls: host.tls),
            headers: host.headers)
    }

    /// Token scopes for reading (and optionally writing) a repository.
    static func scope(_ repository: String, push: Bool = false) -> String {
        "repository:\(repository):\(push ? "pull,push" : "pull")"
    }

    /// Reads a whole body from `url`, refusing more than `limit` bytes.
    static func collect(_ body: HTTPClientResponse.Body, limit: Int, what: String, url: String) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        do {
            for try await chunk in body {
                guard bytes.count + chunk.readableBytes <= limit else {
                    throw BerthError(.resourceExhausted, "\(what) is larger than \(limit) bytes")
                }
                bytes.append(contentsOf: chunk.readableBytesView)
            }
        } catch let error as BerthError {
            throw error
        } catch {
            throw TransportError(underlying: error, url: url).berthError
        }
        return bytes
    }

    private static func verb(_ capability: HostCapabilities) -> String {
        switch capability {
        case .push: "push"
        case .resolve: "resolve"
        default: "pull"
        }
    }
}
