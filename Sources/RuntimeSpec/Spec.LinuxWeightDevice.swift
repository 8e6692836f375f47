extension Spec {
    /// A block I/O weight for one device (Go embeds major and minor from LinuxBlockIODevice).
    public struct LinuxWeightDevice: Sendable, Equatable, Codable {
        public var major: Int64
        public var minor: Int64
        public var weight: UInt16?
        public var leafWeight: UInt16?

        public init(major: Int64, minor: Int64, weight: UInt16? = nil, leafWeight: UInt16? = nil) {
            self.major = major
            self.minor = minor
            self.weight = weight
            self.leafWeight = leafWeight
        }

        enum CodingKeys: String, CodingKey {
            case major, minor, weight, leafWeight
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            major = try container.goValue(.major)
            minor = try container.goValue(.minor)
            weight = try container.decodeIfPresent(UInt16.self, forKey: .weight)
            leafWeight = try container.decodeIfPresent(UInt16.self, forKey: .leafWeight)
        }
    }
}
