extension Spec {
    /// A rule of the device cgroup: allow or deny access to devices of a type and number (nil: any).
    public struct LinuxDeviceCgroup: Sendable, Equatable, Codable {
        public var allow: Bool
        /// "a", "c" or "b"; empty means all.
        public var type: String
        public var major: Int64?
        public var minor: Int64?
        /// Some of "rwm".
        public var access: String

        public init(allow: Bool, type: String = "", major: Int64? = nil, minor: Int64? = nil, access: String = "") {
            self.allow = allow
            self.type = type
            self.major = major
            self.minor = minor
            self.access = access
        }

        enum CodingKeys: String, CodingKey {
            case allow, type, major, minor, access
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            allow = try container.goValue(.allow)
            type = try container.goValue(.type)
            major = try container.decodeIfPresent(Int64.self, forKey: .major)
            minor = try container.decodeIfPresent(Int64.self, forKey: .minor)
            access = try container.goValue(.access)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(allow, forKey: .allow)
            try container.encodeOmitEmpty(type, forKey: .type)
            try container.encodeIfPresent(major, forKey: .major)
            try container.encodeIfPresent(minor, forKey: .minor)
            try container.encodeOmitEmpty(access, forKey: .access)
        }
    }
}
