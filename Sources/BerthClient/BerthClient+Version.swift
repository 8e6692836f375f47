import BerthAPI
import SwiftProtobuf

/// The server's version and identity.
public struct ServerInfo: Sendable, Equatable {
    public var version: String
    public var revision: String
    public var uuid: String
}

extension BerthClient {
    public func serverInfo() async throws -> ServerInfo {
        let versions = Containerd_Services_Version_V1_Version.Client(wrapping: grpc)
        let introspection = Containerd_Services_Introspection_V1_Introspection.Client(wrapping: grpc)
        let version = try await versions.version(Google_Protobuf_Empty(), metadata: metadata, options: options)
        let server = try await introspection.server(Google_Protobuf_Empty(), metadata: metadata, options: options)
        return ServerInfo(version: version.version, revision: version.revision, uuid: server.uuid)
    }
}
