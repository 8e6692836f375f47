import BerthAPI

public typealias PluginDescription = Containerd_Services_Introspection_V1_Plugin

extension BerthClient {
    /// The server's plugins that match any of `filters` (containerd's filter syntax).
    public func plugins(filters: [String] = []) async throws -> [PluginDescription] {
        let introspection = Containerd_Services_Introspection_V1_Introspection.Client(wrapping: grpc)
        return try await introspection.plugins(.with { $0.filters = filters }, metadata: metadata, options: options)
            .plugins
    }
}
