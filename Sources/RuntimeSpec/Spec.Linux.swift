extension Spec {
    /// The Linux section: namespaces, cgroup, devices and the kernel's security knobs.
    public struct Linux: Sendable, Equatable, Codable {
        public var uidMappings: [LinuxIDMapping]
        public var gidMappings: [LinuxIDMapping]
        public var sysctl: [String: String]
        public var resources: LinuxResources?
        public var cgroupsPath: String
        public var namespaces: [LinuxNamespace]
        public var devices: [LinuxDevice]
        /// The seccomp profile, kept as JSON: Berth passes it to the runtime and never reads it.
        public var seccomp: JSONValue?
        public var rootfsPropagation: String
        public var maskedPaths: [String]
        public var readonlyPaths: [String]
        public var mountLabel: String
        /// Keys not modelled here (intelRdt, personality, newer fields), written back unchanged.
        public var unknownFields: [String: JSONValue]

        public init(
            uidMappings: [LinuxIDMapping] = [], gidMappings: [LinuxIDMapping] = [], sysctl: [String: String] = [:],
            resources: LinuxResources? = nil, cgroupsPath: String = "", namespaces: [LinuxNamespace] = [],
            devices: [LinuxDevice] = [], seccomp: JSONValue? = nil, rootfsPropagation: String = "",
            maskedPaths: [String] = [], readonlyPaths: [String] = [], mountLabel: String = "",
            unknownFields: [String: JSONValue] = [:]
        ) {
            self.uidMappings = uidMappings
            self.gidMappings = gidMappings
            self.sysctl = sysctl
            self.resources = resources
            self.cgroupsPath = cgroupsPath
            self.namespaces = namespaces
            self.devices = devices
            self.seccomp = seccomp
            self.rootfsPropagation = rootfsPropagation
            self.maskedPaths = maskedPaths
            self.readonlyPaths = readonlyPaths
            self.mountLabel = mountLabel
            self.unknownFields = unknownFields
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case uidMappings, gidMappings, sysctl, resources, cgroupsPath, namespaces, devices, seccomp
            case rootfsPropagation, maskedPaths, readonlyPaths, mountLabel
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            uidMappings = try container.goValue(.uidMappings)
            gidMappings = try container.goValue(.gidMappings)
            sysctl = try container.goValue(.sysctl)
            resources = try container.decodeIfPresent(LinuxResources.self, forKey: .resources)
            cgroupsPath = try container.goValue(.cgroupsPath)
            namespaces = try container.goValue(.namespaces)
            devices = try container.goValue(.devices)
            // decodeIfPresent maps null to nil, which is what Go's *LinuxSeccomp does too.
            seccomp = try container.decodeIfPresent(JSONValue.self, forKey: .seccomp)
            rootfsPropagation = try container.goValue(.rootfsPropagation)
            maskedPaths = try container.goValue(.maskedPaths)
            readonlyPaths = try container.goValue(.readonlyPaths)
            mountLabel = try container.goValue(.mountLabel)
            unknownFields = try decoder.unknownFields(besides: CodingKeys.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeOmitEmpty(uidMappings, forKey: .uidMappings)
            try container.encodeOmitEmpty(gidMappings, forKey: .gidMappings)
            try container.encodeOmitEmpty(sysctl, forKey: .sysctl)
            try container.encodeIfPresent(resources, forKey: .resources)
            try container.encodeOmitEmpty(cgroupsPath, forKey: .cgroupsPath)
            try container.encodeOmitEmpty(namespaces, forKey: .namespaces)
            try container.encodeOmitEmpty(devices, forKey: .devices)
            try container.encodeIfPresent(seccomp, forKey: .seccomp)
            try container.encodeOmitEmpty(rootfsPropagation, forKey: .rootfsPropagation)
            try container.encodeOmitEmpty(maskedPaths, forKey: .maskedPaths)
            try container.encodeOmitEmpty(readonlyPaths, forKey: .readonlyPaths)
            try container.encodeOmitEmpty(mountLabel, forKey: .mountLabel)
            try encoder.encodeUnknownFields(unknownFields, besides: CodingKeys.self)
        }
    }
}
