extension Spec {
    /// A range of user or group ids of a user namespace.
    public struct LinuxIDMapping: Sendable, Equatable, Codable {
        public var containerID: UInt32
        public var hostID: UInt32
        public var size: UInt32

        public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
            self.containerID = containerID
            self.hostID = hostID
            self.size = size
        }

        enum CodingKeys: String, CodingKey {
            case containerID, hostID, size
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            containerID = try container.goValue(.containerID)
            hostID = try container.goValue(.hostID)
            size = try container.goValue(.size)
        }
    }
}
