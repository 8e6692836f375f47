extension Spec {
    /// The container's init process.
    public struct Process: Sendable, Equatable, Codable {
        /// The type URL of an exec'd process's spec in containerd's Any (tasks Exec).
        public static let typeURL = "types.containerd.io/opencontainers/runtime-spec/1/Process"

        public var terminal: Bool
        public var consoleSize: Box?
        public var user: User
        public var args: [String]
        /// Windows only; kept so that specs written for Windows round-trip.
        public var commandLine: String
        public var env: [String]
        public var cwd: String
        public var capabilities: LinuxCapabilities?
        public var rlimits: [POSIXRlimit]
        public var noNewPrivileges: Bool
        public var apparmorProfile: String
        public var oomScoreAdj: Int?
        public var selinuxLabel: String
        /// Keys not modelled here (newer fields such as scheduler or ioPriority), written back unchanged.
        public var unknownFields: [String: JSONValue]

        public init(
            terminal: Bool = false, consoleSize: Box? = nil, user: User = User(), args: [String] = [],
            commandLine: String = "", env: [String] = [], cwd: String = "", capabilities: LinuxCapabilities? = nil,
            rlimits: [POSIXRlimit] = [], noNewPrivileges: Bool = false, apparmorProfile: String = "",
            oomScoreAdj: Int? = nil, selinuxLabel: String = "", unknownFields: [String: JSONValue] = [:]
        ) {
            self.terminal = terminal
            self.consoleSize = consoleSize
            self.user = user
            self.args = args
            self.commandLine = commandLine
            self.env = env
            self.cwd = cwd
            self.capabilities = capabilities
            self.rlimits = rlimits
            self.noNewPrivileges = noNewPrivileges
            self.apparmorProfile = apparmorProfile
            self.oomScoreAdj = oomScoreAdj
            self.selinuxLabel = selinuxLabel
            self.unknownFields = unknownFields
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case terminal, consoleSize, user, args, commandLine, env, cwd, capabilities, rlimits, noNewPrivileges
            case apparmorProfile, oomScoreAdj, selinuxLabel
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            terminal = try container.goValue(.terminal)
            consoleSize = try container.decodeIfPresent(Box.self, forKey: .consoleSize)
            user = try container.decodeIfPresent(User.self, forKey: .user) ?? User()
            args = try container.goValue(.args)
            commandLine = try container.goValue(.commandLine)
            env = try container.goValue(.env)
            cwd = try container.goValue(.cwd)
            capabilities = try container.decodeIfPresent(LinuxCapabilities.self, forKey: .capabilities)
            rlimits = try container.goValue(.rlimits)
            noNewPrivileges = try container.goValue(.noNewPrivileges)
            apparmorProfile = try container.goValue(.apparmorProfile)
            oomScoreAdj = try container.decodeIfPresent(Int.self, forKey: .oomScoreAdj)
            selinuxLabel = try container.goValue(.selinuxLabel)
            unknownFields = try decoder.unknownFields(besides: CodingKeys.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeOmitEmpty(terminal, forKey: .terminal)
            try container.encodeIfPresent(consoleSize, forKey: .consoleSize)
            try container.encode(user, forKey: .user)
            try container.encodeOmitEmpty(args, forKey: .args)
            try container.encodeOmitEmpty(commandLine, forKey: .commandLine)
            try container.encodeOmitEmpty(env, forKey: .env)
            try container.encode(cwd, forKey: .cwd)
            try container.encodeIfPresent(capabilities, forKey: .capabilities)
            try container.encodeOmitEmpty(rlimits, forKey: .rlimits)
            try container.encodeOmitEmpty(noNewPrivileges, forKey: .noNewPrivileges)
            try container.encodeOmitEmpty(apparmorProfile, forKey: .apparmorProfile)
            try container.encodeIfPresent(oomScoreAdj, forKey: .oomScoreAdj)
            try container.encodeOmitEmpty(selinuxLabel, forKey: .selinuxLabel)
            try encoder.encodeUnknownFields(unknownFields, besides: CodingKeys.self)
        }
    }
}
