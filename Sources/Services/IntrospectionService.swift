import BerthAPI
import BerthCore
import GRPCCore
import SwiftProtobuf

/// containerd.services.introspection.v1.Introspection
public struct IntrospectionService: Containerd_Services_Introspection_V1_Introspection.SimpleServiceProtocol {
    let plugins: @Sendable () -> [PluginInfo]
    let serverUUID: String

    /// `plugins` is read on every call, so that plugins registered later show up.
    public init(serverUUID: String, plugins: @escaping @Sendable () -> [PluginInfo]) {
        self.serverUUID = serverUUID
        self.plugins = plugins
    }

    public func plugins(
        request: Containerd_Services_Introspection_V1_PluginsRequest, context: ServerContext
    ) async throws -> Containerd_Services_Introspection_V1_PluginsResponse {
        let filter = try Filter.parseAll(request.filters)
        let matching = plugins().filter { plugin in
            // Only type and id are matchable, as in containerd.
            filter.matches(DictionaryFilterAdaptor(fields: ["type": plugin.type, "id": plugin.id], labels: [:]))
        }
        return .with { $0.plugins = matching.map(Containerd_Services_Introspection_V1_Plugin.init) }
    }

    public func server(
        request: Google_Protobuf_Empty, context: ServerContext
    ) async throws -> Containerd_Services_Introspection_V1_ServerResponse {
        .with { $0.uuid = serverUUID }
    }
}

extension Containerd_Services_Introspection_V1_Plugin {
    init(_ plugin: PluginInfo) {
        self.init()
        type = plugin.type
        id = plugin.id
        requires = plugin.requires
        platforms = plugin.platforms.map { platform in
            .with {
                $0.os = platform.os
                $0.architecture = platform.architecture
                $0.variant = platform.variant
            }
        }
        exports = plugin.exports
        capabilities = plugin.capabilities
        if let message = plugin.initError {
            initErr = .with {
                $0.code = Int32(RPCError.Code.unknown.rawValue)
                $0.message = message
            }
        }
    }
}
