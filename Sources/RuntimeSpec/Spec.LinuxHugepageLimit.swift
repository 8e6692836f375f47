extension Spec {
    /// A hugetlb limit in bytes for one page size ("2MB").
    public struct LinuxHugepageLimit: Sendable, Equatable, Codable {
        public var pageSize: String
        public var limit: UInt64

        public init(pageSize: String, limit: UInt64) {
            self.pageSize = pageSize
            self.limit = limit
        }

        enum CodingKeys: String, CodingKey {
            case pageSize, limit
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            pageSize = try container.goValue(.pageSize)
            limit = try container.goValue(.limit)
        }
    }
}
