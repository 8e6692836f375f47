extension Spec {
    /// A device node the runtime creates in the container's /dev.
    public struct LinuxDevice: Sendable, Equatable, Codable {
        public var path: String
        /// "c", "b", "u" or "p".
        public var type: String
        public var major: Int64
        public var minor: Int64
        /// Permission bits (Go's os.FileMode of the node without its type bits).
        public var fileMode: UInt32?
        public var uid: UInt32?
        public var gid: UInt32?

        public init(
            path: String, type: String, major: Int64, minor: Int64, fileMode: UInt32? = nil, uid: UInt32? = nil,
            gid: UInt32? = nil
        ) {
            self.path = path
            self.type = type
            self.major = major
            self.minor = minor
            self.fileMode = fileMode
            self.uid = uid
            self.gid = gid
        }

        enum CodingKeys: String, CodingKey {
            case path, type, major, minor, fileMode, uid, gid
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = try container.goValue(.path)
            type = try container.goValue(.type)
            major = try container.goValue(.major)
            minor = try container.goValue(.minor)
            fileMode = try container.decodeIfPresent(UInt32.self, forKey: .fileMode)
            uid = try container.decodeIfPresent(UInt32.self, forKey: .uid)
            gid = try container.decodeIfPresent(UInt32.self, forKey: .gid)
        }
    }
}
