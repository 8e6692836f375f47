extension Spec {
    /// The root filesystem: a path relative to the bundle ("rootfs") or absolute.
    public struct Root: Sendable, Equatable, Codable {
        public var path: String
        public var readonly: Bool

        public init(path: String = "", readonly: Bool = false) {
            self.path = path
            self.readonly = readonly
        }

        enum CodingKeys: String, CodingKey {
            case path, readonly
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = try container.goValue(.path)
            readonly = try container.goValue(.readonly)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            try container.encodeOmitEmpty(readonly, forKey: .readonly)
        }
    }
}
