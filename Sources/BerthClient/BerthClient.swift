import BerthAPI
import BerthCore
import GRPCCore
import GRPCNIOTransportHTTP2

/// A client for berthd, or for any server of containerd's v1 API, over its unix socket.
/// Every call carries the client's namespace as containerd's `containerd-namespace` metadata.
public struct BerthClient: Sendable {
    public static let defaultAddress = "/run/berth/berth.sock"
    public static let defaultNamespace = "default"

    let grpc: GRPCClient<HTTP2ClientTransport.Posix>
    public let namespace: String
    public let timeout: Duration?
    /// Sent as `containerd-lease` on every call when set: new content joins the lease.
    public let lease: String?

    init(grpc: GRPCClient<HTTP2ClientTransport.Posix>, namespace: String, timeout: Duration?, lease: String? = nil) {
        self.grpc = grpc
        self.namespace = namespace
        self.timeout = timeout
        self.lease = lease
    }

    /// Connects, runs `body`, then closes the connection.
    public static func withConnection<Result: Sendable>(
        address: String = defaultAddress,
        namespace: String = defaultNamespace,
        timeout: Duration? = nil,
        _ body: (BerthClient) async throws -> Result
    ) async throws -> Result {
        let transport = try HTTP2ClientTransport.Posix(
            target: .unixDomainSocket(path: address),
            transportSecurity: .plaintext)
        return try await withGRPCClient(transport: transport) { grpc in
            try await body(BerthClient(grpc: grpc, namespace: namespace, timeout: timeout))
        }
    }

    /// The same connection, speaking for another namespace.
    public func inNamespace(_ namespace: String) -> BerthClient {
        BerthClient(grpc: grpc, namespace: namespace, timeout: timeout, lease: lease)
    }

    var metadata: Metadata {
        var metadata = Metadata()
        metadata.addString(namespace, forKey: RequestMetadataKeys.namespace)
        if let lease { metadata.addString(lease, forKey: RequestMetadataKeys.lease) }
        return metadata
    }

    var options: CallOptions {
        var options = CallOptions.defaults
        options.timeout = timeout
        // containerd's limit for one message; images and specs can exceed gRPC's 4 MiB default.
        options.maxResponseMessageBytes = 16 << 20
        return options
    }
}

/// The gRPC metadata keys containerd's API uses.
public enum RequestMetadataKeys {
    public static let namespace = "containerd-namespace"
    public static let lease = "containerd-lease"
}
