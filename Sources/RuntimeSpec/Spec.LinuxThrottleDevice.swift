extension Spec {
    /// A block I/O rate limit for one device, per second.
    public struct LinuxThrottleDevice: Sendable, Equatable, Codable {
        public var major: Int64
        public var minor: Int64
        public var rate: UInt64

        public init(major: Int64, minor: Int64, rate: UInt64) {
            self.major = major
            self.minor = minor
            self.rate = rate
        }

        enum CodingKeys: String, CodingKey {
            case major, minor, rate
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            major = try container.goValue(.major)
            minor = try container.goValue(.minor)
            rate = try container.goValue(.rate)
        }
    }
}
