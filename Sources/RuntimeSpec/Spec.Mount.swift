extension Spec {
    /// A filesystem mounted into the container on top of the root.
    public struct Mount: Sendable, Equatable, Codable {
        public var destination: String
        public var type: String
        public var source: String
        public var options: [String]
        public var uidMappings: [LinuxIDMapping]
        public var gidMappings: [LinuxIDMapping]

        public init(
            destination: String, type: String = "", source: String = "", options: [String] = [],
            uidMappings: [LinuxIDMapping] = [], gidMappings: [LinuxIDMapping] = []
        ) {
            self.destination = destination
            self.type = type
            self.source = source
            self.options = options
            self.uidMappings = uidMappings
            self.gidMappings = gidMappings
        }

        enum CodingKeys: String, CodingKey {
            case destination, type, source, options, uidMappings, gidMappings
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            destination = try container.goValue(.destination)
            type = try container.goValue(.type)
            source = try container.goValue(.source)
            options = try container.goValue(.options)
            uidMappings = try container.goValue(.uidMappings)
            gidMappings = try container.goValue(.gidMappings)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(destination, forKey: .destination)
            try container.encodeOmitEmpty(type, forKey: .type)
            try container.encodeOmitEmpty(source, forKey: .source)
            try container.encodeOmitEmpty(options, forKey: .options)
            try container.encodeOmitEmpty(uidMappings, forKey: .uidMappings)
            try container.encodeOmitEmpty(gidMappings, forKey: .gidMappings)
        }
    }
}
