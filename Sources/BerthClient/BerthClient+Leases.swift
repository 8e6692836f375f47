import BerthAPI
import BerthCore
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

public typealias LeaseDescription = Containerd_Services_Leases_V1_Lease

extension BerthClient {
    var leases: Containerd_Services_Leases_V1_Leases.Client<HTTP2ClientTransport.Posix> { .init(wrapping: grpc) }

    /// Creates a lease; an empty id lets the server choose one; `expiresIn` sets `containerd.io/gc.expire`.
    @discardableResult
    public func createLease(id: String = "", labels: [String: String] = [:], expiresIn: Duration? = nil) async throws -> LeaseDescription {
        var labels = labels
        if let expiresIn {
            // Whole seconds, as ctr writes it (Go's time.RFC3339).
            let expiry = Int64(Date().timeIntervalSince1970) + expiresIn.components.seconds
            labels[GCLabels.expire] = RFC3339.format(seconds: expiry)
        }
        return try await leases.create(.with {
            $0.id = id
            $0.labels = labels
        }, metadata: metadata, options: options).lease
    }

    public func listLeases(filters: [String] = []) async throws -> [LeaseDescription] {
        try await leases.list(.with { $0.filters = filters }, metadata: metadata, options: options).leases
    }

    public func deleteLease(_ id: String, sync: Bool = false) async throws {
        _ = try await leases.delete(.with {
            $0.id = id
            $0.sync = sync
        }, metadata: metadata, options: options)
    }

    /// Adds a resource (`type` "content", "snapshots/<snapshotter>", "ingests") to this client's lease.
    public func addToLease(type: String, id: String) async throws {
        guard let lease else { throw BerthError.failedPrecondition("no lease to add \(type) \(id) to") }
        _ = try await leases.addResource(.with {
            $0.id = lease
            $0.resource = .with {
                $0.type = type
                $0.id = id
            }
        }, metadata: metadata, options: options)
    }

    /// This client, with every call made under `lease` (containerd's `containerd-lease` metadata).
    public func withLease(_ lease: String) -> BerthClient {
        BerthClient(grpc: grpc, namespace: namespace, timeout: timeout, lease: lease)
    }

    /// Runs `body` under a new lease that expires in 24 hours and is deleted afterwards, as containerd's
    /// client does around an import or ingest: what `body` writes is safe from collection until it is referenced.
    public func withTemporaryLease<Result: Sendable>(_ body: (BerthClient) async throws -> Result) async throws -> Result {
        let lease = try await createLease(expiresIn: .seconds(24 * 3600))
        do {
            let result = try await body(withLease(lease.id))
            try await deleteLease(lease.id)
            return result
        } catch {
            try? await deleteLease(lease.id)
            throw error
        }
    }
}
