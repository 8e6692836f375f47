extension Spec {
    /// The hooks, by the point at which the runtime runs them.
    public struct Hooks: Sendable, Equatable, Codable {
        /// Deprecated by the runtime-spec in favour of the three below; still run by runc.
        public var prestart: [Hook]
        public var createRuntime: [Hook]
        public var createContainer: [Hook]
        public var startContainer: [Hook]
        public var poststart: [Hook]
        public var poststop: [Hook]

        public init(
            prestart: [Hook] = [], createRuntime: [Hook] = [], createContainer: [Hook] = [], startContainer: [Hook] = [],
            poststart: [Hook] = [], poststop: [Hook] = []
        ) {
            self.prestart = prestart
            self.createRuntime = createRuntime
            self.createContainer = createContainer
            self.startContainer = startContainer
            self.poststart = poststart
            self.poststop = poststop
        }

        enum CodingKeys: String, CodingKey {
            case prestart, createRuntime, createContainer, startContainer, poststart, poststop
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            prestart = try container.goValue(.prestart)
            createRuntime = try container.goValue(.createRuntime)
            createContainer = try container.goValue(.createContainer)
            startContainer = try container.goValue(.startContainer)
            poststart = try container.goValue(.poststart)
            poststop = try container.goValue(.poststop)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeOmitEmpty(prestart, forKey: .prestart)
            try container.encodeOmitEmpty(createRuntime, forKey: .createRuntime)
            try container.encodeOmitEmpty(createContainer, forKey: .createContainer)
            try container.encodeOmitEmpty(startContainer, forKey: .startContainer)
            try container.encodeOmitEmpty(poststart, forKey: .poststart)
            try container.encodeOmitEmpty(poststop, forKey: .poststop)
        }
    }
}
