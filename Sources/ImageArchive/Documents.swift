import BerthCore
import Foundation
import OCI

/// Reading and writing the JSON documents of image archives.
enum Documents {
    static let ociLayoutVersion = "1.0.0"
    static let dockerLayer = "application/vnd.docker.image.rootfs.diff.tar"
    static let dockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar"
    static let imageNameAnnotation = "io.containerd.image.name"
    static let refNameAnnotation = "org.opencontainers.image.ref.name"

    // MARK: Reading

    /// Refuses documents larger or deeper than the limits, before any parser sees them.
    static func check(_ bytes: [UInt8], what: String) throws {
        guard bytes.count <= ArchiveLimits.maxDocumentSize else {
            throw BerthError.invalidArgument(
                "\(what) is larger than the \(ArchiveLimits.maxDocumentSize / (1024 * 1024)) MiB limit for JSON documents")
        }
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                guard depth <= ArchiveLimits.maxJSONDepth else {
                    throw BerthError.invalidArgument(
                        "\(what) nests JSON deeper than \(ArchiveLimits.maxJSONDepth) levels")
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws -> T {
        try check(bytes, what: what)
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw BerthError.invalidArgument("\(what) is not valid: \(describe(error))")
        } catch {
            throw BerthError.invalidArgument("\(what) is not valid JSON: \(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "" : " at \(keys.joined(separator: "."))"
        }
        switch error {
        case .dataCorrupted(let context): return "malformed JSON\(path(context))"
        case .keyNotFound(let key, let context): return "missing \"\(key.stringValue)\"\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "unexpected value\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// A descriptor checked as far as the importer relies on it: a valid digest, a size that is not negative.
    static func descriptor(_ raw: RawDescriptor, what: String) throws -> OCIDescriptor {
        guard let digest = raw.digest else { throw BerthError.invalidArgument("\(what): descriptor without a digest") }
        do {
            _ = try Digest(parsing: digest)
        } catch let error as BerthError {
            throw BerthError.invalidArgument("\(what): \(error.message)")
        }
        let size = raw.size ?? 0
        guard size >= 0 else { throw BerthError.invalidArgument("\(what): descriptor \(digest) has a negative size") }
        var descriptor = OCIDescriptor(
            mediaType: raw.mediaType ?? "", digest: digest, size: size, annotations: raw.annotations,
            platform: raw.platform.map(\.platform))
        descriptor.urls = raw.urls
        return descriptor
    }

    /// The children of an index or manifest, as containerd's images.Children lists them (config first, then
    /// layers; or the index's manifests), after its validateMediaType checks.
    static func children(of descriptor: OCIDescriptor, document bytes: [UInt8]) throws -> [OCIDescriptor] {
        let what = "\(descriptor.mediaType) \(descriptor.digest)"
        let document = try decode(RawDocument.self, from: bytes, what: what)
        if document.fsLayers?.isNull == false {
            throw BerthError.invalidArgument("\(what): media-type: schema 1 not supported")
        }
        if MediaTypes.isManifest(descriptor.mediaType) {
            if document.manifests?.isNull == false || document.mediaType.map(MediaTypes.isIndex) == true {
                throw BerthError.invalidArgument("\(what): media-type: expected manifest but found index")
            }
            guard let config = document.config?.descriptor else { throw BerthError.invalidArgument("\(what): manifest without a config") }
            var children = [try self.descriptor(config, what: what)]
            for layer in document.layers ?? [] { children.append(try self.descriptor(layer, what: what)) }
            return children
        }
        if MediaTypes.isIndex(descriptor.mediaType) {
            if document.config?.isNull == false || document.layers?.isEmpty == false
                || document.mediaType.map(MediaTypes.isManifest) == true
            {
                throw BerthError.invalidArgument("\(what): media-type: expected index but found manifest")
            }
            return try (document.manifests?.list ?? []).map { try self.descriptor($0, what: what) }
        }
        return []
    }

    // MARK: Classifying media types (containerd's images/mediatypes.go)

    static func isLayer(_ mediaType: String) -> Bool {
        if mediaType.hasPrefix("application/vnd.oci.image.layer.") { return true }
        let base = mediaType.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return [dockerLayer, MediaTypes.dockerLayerGzip, dockerForeignLayer, MediaTypes.dockerForeignLayerGzip].contains(base)
    }

    static func isKnownConfig(_ mediaType: String) -> Bool {
        [
            MediaTypes.dockerConfig, MediaTypes.ociConfig,
            "application/vnd.containerd.container.criu.checkpoint.criu.tar",
            "application/vnd.containerd.container.checkpoint.config.v1+proto",
        ].contains(mediaType)
    }

    static func isNonDistributable(_ mediaType: String) -> Bool {
        mediaType.hasPrefix("application/vnd.oci.image.layer.nondistributable.")
            || mediaType.hasPrefix("application/vnd.docker.image.rootfs.foreign.")
    }

    /// containerd's GC labels on a parent for its (platform-filtered) children: SetChildrenLabels with
    /// ChildGCLabels. A key that ends in "." always gets the child's ordinal among children of the same key;
    /// others only from the second one on.
    static func childLabels(_ children: [OCIDescriptor]) -> [String: String] {
        var labels: [String: String] = [:]
        var counts: [String: Int] = [:]
        for child in children {
            let key: String
            if isKnownConfig(child.mediaType) {
                key = "containerd.io/gc.ref.content.config"
            } else if MediaTypes.isManifest(child.mediaType) {
                key = "containerd.io/gc.ref.content.m."
            } else if isLayer(child.mediaType) {
                key = "containerd.io/gc.ref.content.l."
            } else {
                key = "containerd.io/gc.ref.content."
            }
            let index = counts[key, default: 0]
            counts[key] = index + 1
            labels[index > 0 || key.hasSuffix(".") ? "\(key)\(index)" : key] = child.digest
        }
        return labels
    }
}

// MARK: Decoded shapes (lenient: unknown fields ignored, as Go's encoding/json does)

struct RawPlatform: Decodable {
    var architecture: String?
    var os: String?
    var osVersion: String?
    var variant: String?

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant
        case osVersion = "os.version"
    }

    var platform: OCIPlatform {
        var platform = OCIPlatform(os: os ?? "", architecture: architecture ?? "", variant: variant.flatMap { $0.isEmpty ? nil : $0 })
        platform.osVersion = osVersion.flatMap { $0.isEmpty ? nil : $0 }
        return platform
    }
}

struct RawDescriptor: Decodable {
    var mediaType: String?
    var digest: String?
    var size: Int64?
    var urls: [String]?
    var annotations: [String: String]?
    var platform: RawPlatform?
}

/// A JSON value whose presence matters, not its content.
struct PresentValue: Decodable {
    let isNull: Bool
    init(from decoder: any Decoder) throws {
        isNull = try decoder.singleValueContainer().decodeNil()
    }
}

/// A list of descriptors that may be JSON null.
struct DescriptorList: Decodable {
    let list: [RawDescriptor]?
    var isNull: Bool { list == nil }
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        list = container.decodeNil() ? nil : try container.decode([RawDescriptor].self)
    }
}

/// An index or a manifest, or something claiming to be one.
struct RawDocument: Decodable {
    var mediaType: String?
    var config: RawDescriptorOrNull?
    var layers: [RawDescriptor]?
    var manifests: DescriptorList?
    var fsLayers: PresentValue?
}

struct RawDescriptorOrNull: Decodable {
    let descriptor: RawDescriptor?
    var isNull: Bool { descriptor == nil }
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        descriptor = container.decodeNil() ? nil : try container.decode(RawDescriptor.self)
    }
}

/// The platform fields of an image config.
struct RawImageConfig: Decodable {
    var architecture: String?
    var os: String?
    var variant: String?
    var osVersion: String?

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant
        case osVersion = "os.version"
    }
}

/// `{"imageLayoutVersion": "1.0.0"}`
struct RawOCILayout: Decodable {
    var imageLayoutVersion: String?
}

/// One entry of a Docker archive's manifest.json. Keys match case-insensitively, as Go's encoding/json does.
struct DockerArchiveManifest: Decodable {
    var config: String?
    var repoTags: [String]?
    var layers: [String]?

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        func key(_ name: String) -> Key? {
            container.allKeys.first { $0.stringValue == name }
                ?? container.allKeys.first { $0.stringValue.lowercased() == name.lowercased() }
        }
        if let key = key("Config") { config = try container.decodeIfPresent(String.self, forKey: key) }
        if let key = key("RepoTags") { repoTags = try container.decodeIfPresent([String].self, forKey: key) }
        if let key = key("Layers") { layers = try container.decodeIfPresent([String].self, forKey: key) }
    }
}
