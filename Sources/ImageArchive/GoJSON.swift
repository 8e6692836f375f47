import OCI

/// Writes the JSON documents the importer and exporter create byte for byte as containerd's Go code marshals
/// them (struct field order, omitempty, sorted map keys, Go's HTML-safe string escaping), so that the digests of
/// manifests and indexes built here equal containerd's.
struct GoJSON {
    private(set) var bytes: [UInt8] = []

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func string(_ text: String) {
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: raw("\\\"")
            case 0x5C: raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x00..<0x20, 0x3C, 0x3E, 0x26:
                raw("\\u00")
                bytes.append(hex[Int(scalar.value >> 4)])
                bytes.append(hex[Int(scalar.value & 0xF)])
            case 0x2028: raw("\\u2028")
            case 0x2029: raw("\\u2029")
            default: bytes.append(contentsOf: String(scalar).utf8)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A Go map[string]string: keys sorted bytewise.
    mutating func stringMap(_ map: [String: String]) {
        raw("{")
        for (index, entry) in map.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
            if index > 0 { raw(",") }
            string(entry.key)
            raw(":")
            string(entry.value)
        }
        raw("}")
    }

    mutating func stringArray(_ values: [String]?) {
        guard let values else { return raw("null") }
        raw("[")
        for (index, value) in values.enumerated() {
            if index > 0 { raw(",") }
            string(value)
        }
        raw("]")
    }

    /// ocispec.Platform: architecture, os, os.version, os.features, variant.
    mutating func platform(_ platform: OCIPlatform) {
        raw("{\"architecture\":")
        string(platform.architecture)
        raw(",\"os\":")
        string(platform.os)
        if let version = platform.osVersion, !version.isEmpty {
            raw(",\"os.version\":")
            string(version)
        }
        if let variant = platform.variant, !variant.isEmpty {
            raw(",\"variant\":")
            string(variant)
        }
        raw("}")
    }

    /// ocispec.Descriptor: mediaType, digest, size, urls, annotations, data, platform, artifactType.
    mutating func descriptor(_ descriptor: OCIDescriptor) {
        raw("{")
        if !descriptor.mediaType.isEmpty {
            raw("\"mediaType\":")
            string(descriptor.mediaType)
            raw(",")
        }
        raw("\"digest\":")
        string(descriptor.digest)
        raw(",\"size\":\(descriptor.size)")
        if let urls = descriptor.urls, !urls.isEmpty {
            raw(",\"urls\":")
            stringArray(urls)
        }
        if let annotations = descriptor.annotations, !annotations.isEmpty {
            raw(",\"annotations\":")
            stringMap(annotations)
        }
        if let platform = descriptor.platform {
            raw(",\"platform\":")
            self.platform(platform)
        }
        raw("}")
    }

    mutating func descriptors(_ list: [OCIDescriptor]) {
        raw("[")
        for (index, item) in list.enumerated() {
            if index > 0 { raw(",") }
            descriptor(item)
        }
        raw("]")
    }

    // MARK: Whole documents

    /// `{"imageLayoutVersion":"1.0.0"}`
    static func ociLayout() -> [UInt8] {
        var json = GoJSON()
        json.raw("{\"imageLayoutVersion\":")
        json.string(Documents.ociLayoutVersion)
        json.raw("}")
        return json.bytes
    }

    /// ocispec.Index with only schemaVersion and manifests set, as containerd's importer and exporter write it.
    static func index(_ manifests: [OCIDescriptor]) -> [UInt8] {
        var json = GoJSON()
        json.raw("{\"schemaVersion\":2,\"manifests\":")
        json.descriptors(manifests)
        json.raw("}")
        return json.bytes
    }

    /// The schema 2 manifest containerd's importer builds for a Docker archive image.
    static func dockerManifest(config: OCIDescriptor, layers: [OCIDescriptor]) -> [UInt8] {
        var json = GoJSON()
        json.raw("{\"schemaVersion\":2,\"mediaType\":")
        json.string(MediaTypes.dockerManifest)
        json.raw(",\"config\":")
        json.descriptor(config)
        json.raw(",\"layers\":")
        json.descriptors(layers)
        json.raw("}")
        return json.bytes
    }

    /// Docker's manifest.json: `[{"Config":…,"RepoTags":…,"Layers":…}]`.
    static func dockerArchiveManifest(_ entries: [(config: String, repoTags: [String]?, layers: [String]?)]) -> [UInt8] {
        var json = GoJSON()
        json.raw("[")
        for (index, entry) in entries.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"Config\":")
            json.string(entry.config)
            json.raw(",\"RepoTags\":")
            json.stringArray(entry.repoTags)
            json.raw(",\"Layers\":")
            json.stringArray(entry.layers)
            json.raw("}")
        }
        json.raw("]")
        return json.bytes
    }
}
