import BerthAPI
import GRPCNIOTransportHTTP2
import SwiftProtobuf

/// A namespace as the server reports it.
public struct NamespaceInfo: Sendable, Equatable {
    public var name: String
    public var labels: [String: String]

    public init(name: String, labels: [String: String] = [:]) {
        self.name = name
        self.labels = labels
    }
}

extension BerthClient {
    var namespaces: Containerd_Services_Namespaces_V1_Namespaces.Client<HTTP2ClientTransport.Posix> {
        .init(wrapping: grpc)
    }

    public func listNamespaces(filter: String = "") async throws -> [NamespaceInfo] {
        let response = try await namespaces.list(.with { $0.filter = filter }, metadata: metadata, options: options)
        return response.namespaces.map { NamespaceInfo(name: $0.name, labels: $0.labels) }
    }

    public func namespace(_ name: String) async throws -> NamespaceInfo {
        let response = try await namespaces.get(.with { $0.name = name }, metadata: metadata, options: options)
        return NamespaceInfo(name: response.namespace.name, labels: response.namespace.labels)
    }

    public func createNamespace(_ name: String, labels: [String: String] = [:]) async throws {
        let request = Containerd_Services_Namespaces_V1_CreateNamespaceRequest.with {
            $0.namespace = .with {
                $0.name = name
                $0.labels = labels
            }
        }
        _ = try await namespaces.create(request, metadata: metadata, options: options)
    }

    /// Sets each label; an empty value removes the label (ctr's `namespaces label`).
    public func setNamespaceLabels(_ name: String, _ labels: [String: String]) async throws {
        guard !labels.isEmpty else { return }
        let request = Containerd_Services_Namespaces_V1_UpdateNamespaceRequest.with {
            $0.namespace = .with {
                $0.name = name
                $0.labels = labels.filter { !$0.value.isEmpty }
            }
            $0.updateMask = .with { $0.paths = labels.keys.sorted().map { "labels.\($0)" } }
        }
        _ = try await namespaces.update(request, metadata: metadata, options: options)
    }

    public func deleteNamespace(_ name: String) async throws {
        _ = try await namespaces.delete(.with { $0.name = name }, metadata: metadata, options: options)
    }
}
