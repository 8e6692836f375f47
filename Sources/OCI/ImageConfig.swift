/// An image's config blob (image-spec `application/vnd.oci.image.config.v1+json`, which Docker's config matches):
/// the platform it was built for, what a container of it runs by default, and its layers' diff IDs.
/// Unknown fields (created, history, ...) are ignored; absent and null fields decode as nil.
public struct ImageConfig: Codable, Sendable, Equatable {
    public var architecture: String?
    public var os: String?
    public var variant: String?
    public var config: Container?
    public var rootfs: RootFS?

    public init(
        architecture: String? = nil, os: String? = nil, variant: String? = nil,
        config: Container? = nil, rootfs: RootFS? = nil
    ) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
        self.config = config
        self.rootfs = rootfs
    }

    /// The execution defaults of the image (image-spec `config`, Go's `v1.ImageConfig`).
    public struct Container: Codable, Sendable, Equatable {
        public var user: String?
        /// The keys of `ExposedPorts` ("80/tcp"), sorted; the values are always empty objects.
        public var exposedPorts: [String]?
        public var env: [String]?
        public var entrypoint: [String]?
        public var cmd: [String]?
        /// The keys of `Volumes`, sorted, as for `exposedPorts`.
        public var volumes: [String]?
        public var workingDir: String?
        public var labels: [String: String]?
        public var stopSignal: String?

        public init(
            user: String? = nil, exposedPorts: [String]? = nil, env: [String]? = nil, entrypoint: [String]? = nil,
            cmd: [String]? = nil, volumes: [String]? = nil, workingDir: String? = nil, labels: [String: String]? = nil,
            stopSignal: String? = nil
        ) {
            self.user = user
            self.exposedPorts = exposedPorts
            self.env = env
            self.entrypoint = entrypoint
            self.cmd = cmd
            self.volumes = volumes
            self.workingDir = workingDir
            self.labels = labels
            self.stopSignal = stopSignal
        }

        enum CodingKeys: String, CodingKey {
            case user = "User", exposedPorts = "ExposedPorts", env = "Env", entrypoint = "Entrypoint", cmd = "Cmd"
            case volumes = "Volumes", workingDir = "WorkingDir", labels = "Labels", stopSignal = "StopSignal"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            user = try container.decodeIfPresent(String.self, forKey: .user)
            exposedPorts = try Self.decodeKeys(container, .exposedPorts)
            env = try container.decodeIfPresent([String].self, forKey: .env)
            entrypoint = try container.decodeIfPresent([String].self, forKey: .entrypoint)
            cmd = try container.decodeIfPresent([String].self, forKey: .cmd)
            volumes = try Self.decodeKeys(container, .volumes)
            workingDir = try container.decodeIfPresent(String.self, forKey: .workingDir)
            labels = try container.decodeIfPresent([String: String].self, forKey: .labels)
            stopSignal = try container.decodeIfPresent(String.self, forKey: .stopSignal)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(user, forKey: .user)
            Self.encodeKeys(exposedPorts, into: &container, .exposedPorts)
            try container.encodeIfPresent(env, forKey: .env)
            try container.encodeIfPresent(entrypoint, forKey: .entrypoint)
            try container.encodeIfPresent(cmd, forKey: .cmd)
            Self.encodeKeys(volumes, into: &container, .volumes)
            try container.encodeIfPresent(workingDir, forKey: .workingDir)
            try container.encodeIfPresent(labels, forKey: .labels)
            try container.encodeIfPresent(stopSignal, forKey: .stopSignal)
        }

        /// Go's `map[string]struct{}`: only the keys carry information.
        private static func decodeKeys(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [String]? {
            guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
            let object = try container.nestedContainer(keyedBy: ObjectKey.self, forKey: key)
            return object.allKeys.map(\.stringValue).sorted()
        }

        private static func encodeKeys(_ keys: [String]?, into container: inout KeyedEncodingContainer<CodingKeys>, _ key: CodingKeys) {
            guard let keys else { return }
            var object = container.nestedContainer(keyedBy: ObjectKey.self, forKey: key)
            for name in keys { _ = object.nestedContainer(keyedBy: ObjectKey.self, forKey: ObjectKey(stringValue: name)) }
        }
    }

    /// The layers as the runtime sees them: uncompressed digests, bottom first.
    public struct RootFS: Codable, Sendable, Equatable {
        public var type: String
        public var diffIDs: [String]

        public init(type: String = "layers", diffIDs: [String]) {
            self.type = type
            self.diffIDs = diffIDs
        }

        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decodeIfPresent(String.self, forKey: .type) ?? ""
            diffIDs = try container.decodeIfPresent([String].self, forKey: .diffIDs) ?? []
        }
    }
}

/// Any key of a JSON object whose keys are data (ports, volume paths).
private struct ObjectKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
