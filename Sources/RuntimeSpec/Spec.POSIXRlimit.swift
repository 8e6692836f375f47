extension Spec {
    /// A resource limit of the process ("RLIMIT_NOFILE").
    public struct POSIXRlimit: Sendable, Equatable, Codable {
        public var type: String
        public var hard: UInt64
        public var soft: UInt64

        public init(type: String, hard: UInt64, soft: UInt64) {
            self.type = type
            self.hard = hard
            self.soft = soft
        }

        enum CodingKeys: String, CodingKey {
            case type, hard, soft
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.goValue(.type)
            hard = try container.goValue(.hard)
            soft = try container.goValue(.soft)
        }
    }
}
