import BerthAPI
import BerthCore
import GRPCCore
import SwiftProtobuf

/// containerd.services.version.v1.Version
public struct VersionService: Containerd_Services_Version_V1_Version.SimpleServiceProtocol {
    public init() {}

    public func version(
        request: Google_Protobuf_Empty, context: ServerContext
    ) async throws -> Containerd_Services_Version_V1_VersionResponse {
        .with {
            $0.version = BerthVersion.version
            $0.revision = BerthVersion.revision
        }
    }
}
