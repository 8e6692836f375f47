import Foundation

extension Spec: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case ociVersion, process, root, hostname, domainname, mounts, hooks, annotations, linux
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ociVersion = try container.goValue(.ociVersion)
        process = try container.decodeIfPresent(Process.self, forKey: .process)
        root = try container.decodeIfPresent(Root.self, forKey: .root)
        hostname = try container.goValue(.hostname)
        domainname = try container.goValue(.domainname)
        mounts = try container.goValue(.mounts)
        hooks = try container.decodeIfPresent(Hooks.self, forKey: .hooks)
        annotations = try container.goValue(.annotations)
        linux = try container.decodeIfPresent(Linux.self, forKey: .linux)
        unknownFields = try decoder.unknownFields(besides: CodingKeys.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ociVersion, forKey: .ociVersion)
        try container.encodeIfPresent(process, forKey: .process)
        try container.encodeIfPresent(root, forKey: .root)
        try container.encodeOmitEmpty(hostname, forKey: .hostname)
        try container.encodeOmitEmpty(domainname, forKey: .domainname)
        try container.encodeOmitEmpty(mounts, forKey: .mounts)
        try container.encodeIfPresent(hooks, forKey: .hooks)
        try container.encodeOmitEmpty(annotations, forKey: .annotations)
        try container.encodeIfPresent(linux, forKey: .linux)
        try encoder.encodeUnknownFields(unknownFields, besides: CodingKeys.self)
    }

    /// The JSON for the Any's value: compact, no escaped slashes, keys sorted. Foundation's encoder does not keep
    /// Go's field order, so sorting makes the bytes at least the same for the same spec.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a spec as containerd does: unknown keys are tolerated (and kept), absent ones take Go's zero values.
    public static func decode(_ data: Data) throws -> Spec {
        try JSONDecoder().decode(Spec.self, from: data)
    }
}
