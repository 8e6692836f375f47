extension Spec {
    /// The cgroup limits of the container.
    public struct LinuxResources: Sendable, Equatable, Codable {
        public var devices: [LinuxDeviceCgroup]
        public var memory: LinuxMemory?
        public var cpu: LinuxCPU?
        public var pids: LinuxPids?
        public var blockIO: LinuxBlockIO?
        public var hugepageLimits: [LinuxHugepageLimit]
        /// cgroup v2 files and values, written as is.
        public var unified: [String: String]
        /// Keys not modelled here (network, rdma, newer fields), written back unchanged.
        public var unknownFields: [String: JSONValue]

        public init(
            devices: [LinuxDeviceCgroup] = [], memory: LinuxMemory? = nil, cpu: LinuxCPU? = nil, pids: LinuxPids? = nil,
            blockIO: LinuxBlockIO? = nil, hugepageLimits: [LinuxHugepageLimit] = [], unified: [String: String] = [:],
            unknownFields: [String: JSONValue] = [:]
        ) {
            self.devices = devices
            self.memory = memory
            self.cpu = cpu
            self.pids = pids
            self.blockIO = blockIO
            self.hugepageLimits = hugepageLimits
            self.unified = unified
            self.unknownFields = unknownFields
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case devices, memory, cpu, pids, blockIO, hugepageLimits, unified
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            devices = try container.goValue(.devices)
            memory = try container.decodeIfPresent(LinuxMemory.self, forKey: .memory)
            cpu = try container.decodeIfPresent(LinuxCPU.self, forKey: .cpu)
            pids = try container.decodeIfPresent(LinuxPids.self, forKey: .pids)
            blockIO = try container.decodeIfPresent(LinuxBlockIO.self, forKey: .blockIO)
            hugepageLimits = try container.goValue(.hugepageLimits)
            unified = try container.goValue(.unified)
            unknownFields = try decoder.unknownFields(besides: CodingKeys.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeOmitEmpty(devices, forKey: .devices)
            try container.encodeIfPresent(memory, forKey: .memory)
            try container.encodeIfPresent(cpu, forKey: .cpu)
            try container.encodeIfPresent(pids, forKey: .pids)
            try container.encodeIfPresent(blockIO, forKey: .blockIO)
            try container.encodeOmitEmpty(hugepageLimits, forKey: .hugepageLimits)
            try container.encodeOmitEmpty(unified, forKey: .unified)
            try encoder.encodeUnknownFields(unknownFields, besides: CodingKeys.self)
        }
    }
}
