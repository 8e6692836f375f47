extension Spec {
    /// Who the process runs as. The primary gid is also listed in `additionalGids` by containerd's user options.
    public struct User: Sendable, Equatable, Codable {
        public var uid: UInt32
        public var gid: UInt32
        public var umask: UInt32?
        public var additionalGids: [UInt32]
        /// Windows only.
        public var username: String

        public init(uid: UInt32 = 0, gid: UInt32 = 0, umask: UInt32? = nil, additionalGids: [UInt32] = [], username: String = "") {
            self.uid = uid
            self.gid = gid
            self.umask = umask
            self.additionalGids = additionalGids
            self.username = username
        }

        enum CodingKeys: String, CodingKey {
            case uid, gid, umask, additionalGids, username
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            uid = try container.goValue(.uid)
            gid = try container.goValue(.gid)
            umask = try container.decodeIfPresent(UInt32.self, forKey: .umask)
            additionalGids = try container.goValue(.additionalGids)
            username = try container.goValue(.username)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(uid, forKey: .uid)
            try container.encode(gid, forKey: .gid)
            try container.encodeIfPresent(umask, forKey: .umask)
            try container.encodeOmitEmpty(additionalGids, forKey: .additionalGids)
            try container.encodeOmitEmpty(username, forKey: .username)
        }
    }
}
