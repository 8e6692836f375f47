extension Spec {
    /// A namespace the container gets: a new one, or the one at `path` joined.
    public struct LinuxNamespace: Sendable, Equatable, Codable {
        public var type: LinuxNamespaceType
        public var path: String

        public init(type: LinuxNamespaceType, path: String = "") {
            self.type = type
            self.path = path
        }

        enum CodingKeys: String, CodingKey {
            case type, path
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = LinuxNamespaceType(rawValue: try container.goValue(.type))
            path = try container.goValue(.path)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(type, forKey: .type)
            try container.encodeOmitEmpty(path, forKey: .path)
        }
    }
}
