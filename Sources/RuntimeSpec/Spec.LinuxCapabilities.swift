extension Spec {
    /// The capability sets of the process, by name ("CAP_CHOWN").
    public struct LinuxCapabilities: Sendable, Equatable, Codable {
        public var bounding: [String]
        public var effective: [String]
        public var inheritable: [String]
        public var permitted: [String]
        public var ambient: [String]

        public init(
            bounding: [String] = [], effective: [String] = [], inheritable: [String] = [], permitted: [String] = [],
            ambient: [String] = []
        ) {
            self.bounding = bounding
            self.effective = effective
            self.inheritable = inheritable
            self.permitted = permitted
            self.ambient = ambient
        }

        enum CodingKeys: String, CodingKey {
            case bounding, effective, inheritable, permitted, ambient
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            bounding = try container.goValue(.bounding)
            effective = try container.goValue(.effective)
            inheritable = try container.goValue(.inheritable)
            permitted = try container.goValue(.permitted)
            ambient = try container.goValue(.ambient)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeOmitEmpty(bounding, forKey: .bounding)
            try container.encodeOmitEmpty(effective, forKey: .effective)
            try container.encodeOmitEmpty(inheritable, forKey: .inheritable)
            try container.encodeOmitEmpty(permitted, forKey: .permitted)
            try container.encodeOmitEmpty(ambient, forKey: .ambient)
        }
    }
}
