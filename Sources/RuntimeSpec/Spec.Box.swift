extension Spec {
    /// A console size.
    public struct Box: Sendable, Equatable, Codable {
        public var height: UInt
        public var width: UInt

        public init(height: UInt, width: UInt) {
            self.height = height
            self.width = width
        }

        enum CodingKeys: String, CodingKey {
            case height, width
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            height = try container.goValue(.height)
            width = try container.goValue(.width)
        }
    }
}
