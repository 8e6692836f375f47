import BerthCore
import GRPCCore

/// The gRPC metadata keys containerd's clients send.
public enum RequestMetadataKey {
    public static let namespace = "containerd-namespace"
    public static let lease = "containerd-lease"
}

extension Metadata {
    /// The namespace of the call, required and validated as containerd's namespaces.NamespaceRequired does.
    func requiredNamespace() throws -> String {
        guard let namespace = self[stringValues: RequestMetadataKey.namespace].first(where: { _ in true }),
              !namespace.isEmpty
        else {
            throw BerthError.failedPrecondition("namespace is required")
        }
        do {
            try Identifiers.validate(namespace)
        } catch let error as BerthError {
            throw BerthError(error.kind, "namespace validation: \(error.message)")
        }
        return namespace
    }

    /// The lease named by `containerd-lease`, if any: new content, ingests and snapshots join it.
    func lease() -> String? {
        guard let lease = self[stringValues: RequestMetadataKey.lease].first(where: { _ in true }), !lease.isEmpty
        else { return nil }
        return lease
    }
}
