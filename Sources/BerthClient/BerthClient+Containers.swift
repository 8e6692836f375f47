import BerthAPI
import BerthCore
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

public typealias ContainerDescription = Containerd_Services_Containers_V1_Container

extension BerthClient {
    var containers: Containerd_Services_Containers_V1_Containers.Client<HTTP2ClientTransport.Posix> { .init(wrapping: grpc) }

    public func container(_ id: String) async throws -> ContainerDescription {
        try await containers.get(.with { $0.id = id }, metadata: metadata, options: options).container
    }

    public func listContainers(filters: [String] = []) async throws -> [ContainerDescription] {
        try await containers.list(.with { $0.filters = filters }, metadata: metadata, options: options).containers
    }

    /// containerd's runtime for containers that name none; ctr sends it unless told otherwise.
    public static let containerdDefaultRuntime = "io.containerd.runc.v2"

    /// Creates the container. Without a runtime name berthd gives it its configured default runtime; a daemon
    /// that insists on a name (containerd) is asked again with containerd's default.
    @discardableResult
    public func createContainer(_ container: ContainerDescription) async throws -> ContainerDescription {
        do {
            return try await containers.create(.with { $0.container = container }, metadata: metadata, options: options).container
        } catch let error as RPCError
            where container.runtime.name.isEmpty && error.code == .invalidArgument
            && ["runtime name", "runtime.name"].contains(where: error.message.lowercased().contains) {
            var named = container
            named.runtime.name = Self.containerdDefaultRuntime
            return try await containers.create(.with { $0.container = named }, metadata: metadata, options: options).container
        }
    }

    @discardableResult
    public func updateContainer(_ container: ContainerDescription, paths: [String]) async throws -> ContainerDescription {
        try await containers.update(.with {
            $0.container = container
            $0.updateMask = .with { $0.paths = paths }
        }, metadata: metadata, options: options).container
    }

    public func deleteContainer(_ id: String) async throws {
        _ = try await containers.delete(.with { $0.id = id }, metadata: metadata, options: options)
    }
}
