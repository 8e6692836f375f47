/// What the Introspection service reports about one of the daemon's plugins (containerd's plugin.Plugin).
public struct PluginInfo: Sendable, Equatable {
    public struct Platform: Sendable, Equatable {
        public var os: String
        public var architecture: String
        public var variant: String

        public init(os: String, architecture: String, variant: String = "") {
            self.os = os
            self.architecture = architecture
            self.variant = variant
        }
    }

    public var type: String
    public var id: String
    public var requires: [String]
    public var platforms: [Platform]
    public var exports: [String: String]
    public var capabilities: [String]
    /// Why the plugin failed to initialise, or nil when it is running.
    public var initError: String?

    public init(
        type: String, id: String, requires: [String] = [], platforms: [Platform] = [],
        exports: [String: String] = [:], capabilities: [String] = [], initError: String? = nil
    ) {
        self.type = type
        self.id = id
        self.requires = requires
        self.platforms = platforms
        self.exports = exports
        self.capabilities = capabilities
        self.initError = initError
    }
}
