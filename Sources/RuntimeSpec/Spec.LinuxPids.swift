extension Spec {
    /// The pids cgroup limit.
    public struct LinuxPids: Sendable, Equatable, Codable {
        public var limit: Int64

        public init(limit: Int64) { self.limit = limit }

        enum CodingKeys: String, CodingKey {
            case limit
        }

        public init(from decoder: any Decoder) throws {
            limit = try decoder.container(keyedBy: CodingKeys.self).goValue(.limit)
        }
    }
}
