extension Spec {
    /// Block I/O cgroup weights and throttles.
    public struct LinuxBlockIO: Sendable, Equatable, Codable {
        public var weight: UInt16?
        public var leafWeight: UInt16?
        public var weightDevice: [LinuxWeightDevice]
        public var throttleReadBpsDevice: [LinuxThrottleDevice]
        public var throttleWriteBpsDevice: [LinuxThrottleDevice]
        public var throttleReadIOPSDevice: [LinuxThrottleDevice]
        public var throttleWriteIOPSDevice: [LinuxThrottleDevice]

        public init(
            weight: UInt16? = nil, leafWeight: UInt16? = nil, weightDevice: [LinuxWeightDevice] = [],
            throttleReadBpsDevice: [LinuxThrottleDevice] = [], throttleWriteBpsDevice: [LinuxThrottleDevice] = [],
            throttleReadIOPSDevice: [LinuxThrottleDevice] = [], throttleWriteIOPSDevice: [LinuxThrottleDevice] = []
        ) {
            self.weight = weight
            self.leafWeight = leafWeight
            self.weightDevice = weightDevice
            self.throttleReadBpsDevice = throttleReadBpsDevice
            self.throttleWriteBpsDevice = throttleWriteBpsDevice
            self.throttleReadIOPSDevice = throttleReadIOPSDevice
            self.throttleWriteIOPSDevice = throttleWriteIOPSDevice
        }

        enum CodingKeys: String, CodingKey {
            case weight, leafWeight, weightDevice, throttleReadBpsDevice, throttleWriteBpsDevice
            case throttleReadIOPSDevice, throttleWriteIOPSDevice
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            weight = try container.decodeIfPresent(UInt16.self, forKey: .weight)
            leafWeight = try container.decodeIfPresent(UInt16.self, forKey: .leafWeight)
            weightDevice = try container.goValue(.weightDevice)
            throttleReadBpsDevice = try container.goValue(.throttleReadBpsDevice)
            throttleWriteBpsDevice = try container.goValue(.throttleWriteBpsDevice)
            throttleReadIOPSDevice = try container.goValue(.throttleReadIOPSDevice)
            throttleWriteIOPSDevice = try container.goValue(.throttleWriteIOPSDevice)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(weight, forKey: .weight)
            try container.encodeIfPresent(leafWeight, forKey: .leafWeight)
            try container.encodeOmitEmpty(weightDevice, forKey: .weightDevice)
            try container.encodeOmitEmpty(throttleReadBpsDevice, forKey: .throttleReadBpsDevice)
            try container.encodeOmitEmpty(throttleWriteBpsDevice, forKey: .throttleWriteBpsDevice)
            try container.encodeOmitEmpty(throttleReadIOPSDevice, forKey: .throttleReadIOPSDevice)
            try container.encodeOmitEmpty(throttleWriteIOPSDevice, forKey: .throttleWriteIOPSDevice)
        }
    }
}
