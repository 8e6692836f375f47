extension Spec {
    /// A program the runtime runs at a point of the container's life.
    public struct Hook: Sendable, Equatable, Codable {
        public var path: String
        public var args: [String]
        public var env: [String]
        public var timeout: Int?

        public init(path: String, args: [String] = [], env: [String] = [], timeout: Int? = nil) {
            self.path = path
            self.args = args
            self.env = env
            self.timeout = timeout
        }

        enum CodingKeys: String, CodingKey {
            case path, args, env, timeout
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = try container.goValue(.path)
            args = try container.goValue(.args)
            env = try container.goValue(.env)
            timeout = try container.decodeIfPresent(Int.self, forKey: .timeout)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            try container.encodeOmitEmpty(args, forKey: .args)
            try container.encodeOmitEmpty(env, forKey: .env)
            try container.encodeIfPresent(timeout, forKey: .timeout)
        }
    }
}
