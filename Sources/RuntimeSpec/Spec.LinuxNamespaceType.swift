extension Spec {
    /// A kind of Linux namespace. A string, not an enum, so that kinds newer than this code ("time") survive.
    public struct LinuxNamespaceType: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral {
        public var rawValue: String

        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { rawValue = value }

        public static let pid: LinuxNamespaceType = "pid"
        public static let network: LinuxNamespaceType = "network"
        public static let mount: LinuxNamespaceType = "mount"
        public static let ipc: LinuxNamespaceType = "ipc"
        public static let uts: LinuxNamespaceType = "uts"
        public static let user: LinuxNamespaceType = "user"
        public static let cgroup: LinuxNamespaceType = "cgroup"

        /// The kinds ctr's --with-ns accepts.
        public static let known: [LinuxNamespaceType] = [.pid, .network, .uts, .mount, .user, .ipc, .cgroup]
    }
}
