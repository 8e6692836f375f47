import BerthCore
import Foundation
import OCI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes images as an OCI image layout tarball, as containerd's images/archive.Export does for
/// `ctr images export`: `oci-layout`, `index.json` with one entry per image (annotated with the full name and the
/// tag), `blobs/<alg>/<hex>` for every blob reachable for the selected platforms, and a Docker-compatible
/// `manifest.json`. Entries are sorted by name and each blob is written once, streamed from the source and
/// verified against its descriptor. The file appears only when complete (written aside, then renamed).
public enum ArchiveExporter {
    public static func export(
        images: [(name: String, target: OCIDescriptor)], from source: some ArchiveContentSource, to path: String,
        allPlatforms: Bool, platform: OCIPlatform
    ) async throws {
        try await export(
            images: images, from: source, to: path, options: ExportOptions(allPlatforms: allPlatforms, platform: platform))
    }

    public static func export(
        images: [(name: String, target: OCIDescriptor)], from source: some ArchiveContentSource, to path: String,
        options: ExportOptions
    ) async throws {
        guard !images.isEmpty else { throw BerthError.invalidArgument("no images to export") }
        var plan = ExportPlan(source: source, options: options)
        try await plan.build(images)
        let output = try OutputFile(path: path)
        do {
            let writer = try TarWriter(fd: output.fd)
            try await plan.write(to: writer)
            try writer.finish()
            try output.commit()
        } catch {
            output.discard()
            throw error
        }
    }
}

private struct ExportPlan<Source: ArchiveContentSource> {
    enum Content {
        case directory
        case bytes([UInt8], mode: UInt32)
        case blob(OCIDescriptor)
    }

    let source: Source
    let options: ExportOptions
    let matcher: PlatformMatcher
    private var records: [String: Content] = [:]
    private var algorithms = Set<String>()
    private var documents: [String: [UInt8]] = [:]
    private var visited = Set<String>()
    /// Manifests named in manifest.json, in the order first met.
    private var dockerManifests: [(manifest: OCIDescriptor, names: [String])] = []
    private var resolvedIndexes: [String: String?] = [:]

    init(source: Source, options: ExportOptions) {
        self.source = source
        self.options = options
        matcher = .exactly([options.platform])
    }

    mutating func build(_ images: [(name: String, target: OCIDescriptor)]) async throws {
        var targets: [OCIDescriptor] = []
        for image in images {
            var target = image.target
            var annotations = target.annotations ?? [:]
            annotations[Documents.imageNameAnnotation] = image.name
            annotations[Documents.refNameAnnotation] = References.ociReferenceName(image.name)
            target.annotations = annotations
            targets.append(target)
        }
        records[ArchiveScan.layoutFile] = .bytes(GoJSON.ociLayout(), mode: 0o444)
        records[ArchiveScan.indexFile] = .bytes(GoJSON.index(targets), mode: 0o644)

        for target in targets {
            let name = target.annotations?[Documents.imageNameAnnotation] ?? ""
            if MediaTypes.isManifest(target.mediaType) {
                if !dockerManifests.contains(where: { $0.manifest.digest == target.digest }) {
                    try await walk(target)
                    dockerManifests.append((target, []))
                }
                if !name.isEmpty && !options.skipDockerManifest { addDockerName(name, to: target.digest) }
            } else if MediaTypes.isIndex(target.mediaType) {
                let resolved: String?
                if let known = resolvedIndexes[target.digest] {
                    resolved = known
                } else {
                    try record(target)
                    visited.insert(target.digest)
                    var matching: [OCIDescriptor] = []
                    for manifest in try Documents.children(of: target, document: try await document(target)) {
                        if manifest.platform.map(matcher.matches) ?? true {
                            matching.append(manifest)
                        } else if !options.allPlatforms {
                            continue
                        }
                        try await walk(manifest)
                    }
                    var chosen: String?
                    if !options.skipDockerManifest {
                        if let best = Self.best(matching, matcher) {
                            chosen = best.digest
                            if !dockerManifests.contains(where: { $0.manifest.digest == best.digest }) {
                                dockerManifests.append((best, []))
                            }
                        } else if !options.allPlatforms {
                            throw BerthError.notFound(
                                "no manifest found for platform \(options.platform.formatted) in \(name.isEmpty ? target.digest : name)")
                        }
                    }
                    resolvedIndexes[target.digest] = .some(chosen)
                    resolved = chosen
                }
                if let resolved, !name.isEmpty { addDockerName(name, to: resolved) }
            } else {
                throw BerthError.invalidArgument("only manifests may be exported: \(name) is a \(target.mediaType)")
            }
        }

        if !options.skipDockerManifest && !dockerManifests.isEmpty {
            var entries: [(config: String, repoTags: [String]?, layers: [String]?)] = []
            for (manifest, names) in dockerManifests {
                let children = try Documents.children(of: manifest, document: try await document(manifest))
                let tags = try names.map(References.familiarize)
                entries.append((
                    config: ArchiveScan.blobPath(children[0].digest), repoTags: tags.isEmpty ? nil : tags,
                    layers: children.count > 1 ? children.dropFirst().map { ArchiveScan.blobPath($0.digest) } : nil))
            }
            records[ArchiveScan.dockerManifestFile] = .bytes(GoJSON.dockerArchiveManifest(entries), mode: 0o644)
        }
        if !algorithms.isEmpty {
            records["blobs/"] = .directory
            for algorithm in algorithms { records["blobs/\(algorithm)/"] = .directory }
        }
    }

    /// The manifest an index contributes to manifest.json: matching platforms first, then unplatformed ones.
    private static func best(_ manifests: [OCIDescriptor], _ matcher: PlatformMatcher) -> OCIDescriptor? {
        guard manifests.count > 1 else { return manifests.first }
        let sorted = manifests.enumerated().sorted { lhs, rhs in
            let (left, right) = (lhs.element.platform, rhs.element.platform)
            let less: Bool
            if left == nil {
                less = false
            } else if right == nil {
                less = true
            } else {
                less = matcher.less(left!, right!)
            }
            let greater: Bool
            if right == nil {
                greater = false
            } else if left == nil {
                greater = true
            } else {
                greater = matcher.less(right!, left!)
            }
            return less || (!greater && lhs.offset < rhs.offset)
        }
        return sorted.first?.element
    }

    private mutating func addDockerName(_ name: String, to digest: String) {
        if let index = dockerManifests.firstIndex(where: { $0.manifest.digest == digest }) {
            dockerManifests[index].names.append(name)
        }
    }

    /// Records a descriptor and everything below it (images.Walk with ChildrenHandler: no platform filter).
    private mutating func walk(_ descriptor: OCIDescriptor, depth: Int = 0) async throws {
        guard visited.insert(descriptor.digest).inserted else { return }
        try record(descriptor)
        guard MediaTypes.isManifest(descriptor.mediaType) || MediaTypes.isIndex(descriptor.mediaType) else { return }
        guard depth < ArchiveLimits.maxIndexDepth else {
            throw BerthError.invalidArgument("indexes nest deeper than \(ArchiveLimits.maxIndexDepth) levels")
        }
        for child in try Documents.children(of: descriptor, document: try await document(descriptor)) {
            try await walk(child, depth: depth + 1)
        }
    }

    private mutating func record(_ descriptor: OCIDescriptor) throws {
        let digest = try Digest(parsing: descriptor.digest)
        if options.skipNonDistributable && Documents.isNonDistributable(descriptor.mediaType) { return }
        algorithms.insert(digest.algorithm.rawValue)
        let name = ArchiveScan.blobPath(descriptor.digest)
        if records[name] == nil { records[name] = .blob(descriptor) }
    }

    /// A manifest or index from the source, checked against its descriptor.
    private mutating func document(_ descriptor: OCIDescriptor) async throws -> [UInt8] {
        if let cached = documents[descriptor.digest] { return cached }
        guard descriptor.size <= Int64(ArchiveLimits.maxDocumentSize) else {
            throw BerthError.invalidArgument(
                "\(descriptor.mediaType) \(descriptor.digest) is larger than the \(ArchiveLimits.maxDocumentSize / (1024 * 1024)) MiB limit for JSON documents")
        }
        let bytes = try await source.readAll(descriptor)
        let digest = try Digest(parsing: descriptor.digest)
        let actual = Digester.digest(of: bytes, digest.algorithm)
        guard Int64(bytes.count) == descriptor.size, actual == descriptor.digest else {
            throw BerthError.failedPrecondition(
                "content \(descriptor.digest) does not match its descriptor (got \(bytes.count) bytes hashing to \(actual))")
        }
        documents[descriptor.digest] = bytes
        return bytes
    }

    /// Writes the records sorted by name, as containerd's writeTar does.
    func write(to writer: TarWriter) async throws {
        for (name, record) in records.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            switch record {
            case .directory:
                try writer.addDirectory(name)
            case .bytes(let bytes, let mode):
                try writer.beginFile(name, size: Int64(bytes.count), mode: mode)
                try writer.write(bytes)
                try writer.endFile()
            case .blob(let descriptor):
                try writer.beginFile(name, size: descriptor.size, mode: 0o444)
                if let bytes = documents[descriptor.digest] {
                    try writer.write(bytes)
                } else {
                    let digest = try Digest(parsing: descriptor.digest)
                    var digester = Digester(digest.algorithm)
                    for try await chunk in try await source.read(descriptor) {
                        digester.update(chunk)
                        try writer.write(chunk)
                    }
                    let actual = digester.finalize()
                    guard actual == descriptor.digest else {
                        throw BerthError.failedPrecondition("unexpected digest \(actual) copied for \(descriptor.digest)")
                    }
                }
                try writer.endFile()
            }
        }
    }
}

/// The archive being written: a temporary file beside `path`, renamed over it when complete; or, for "-" and
/// for paths that are not regular files (devices, FIFOs), written in place.
private final class OutputFile {
    let fd: Int32
    private let temporary: String?
    private let path: String

    init(path: String) throws {
        self.path = path
        if path == "-" {
            fd = STDOUT_FILENO
            temporary = nil
            return
        }
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            guard (info.st_mode & S_IFMT) != S_IFDIR else {
                throw BerthError.invalidArgument("\(path) is a directory")
            }
            fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw Self.error("open \(path)") }
            temporary = nil
            return
        }
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        var template = Array(((directory.isEmpty ? "." : directory) + "/." + base + ".berth-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard created >= 0 else { throw Self.error("create \(path)") }
        fd = created
        temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // os.Create's mode: 0666 less the umask.
        let mask = umask(0o022)
        umask(mask)
        fchmod(created, 0o666 & ~mask)
    }

    func commit() throws {
        guard let temporary else { return }
        guard fsync(fd) == 0 else { throw Self.error("sync \(path)") }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = Self.error("rename to \(path)")
            unlink(temporary)
            throw error
        }
    }

    func discard() {
        guard let temporary else { return }
        close(fd)
        unlink(temporary)
    }

    private static func error(_ what: String) -> BerthError {
        BerthError.unavailable("\(what): \(String(cString: strerror(errno)))")
    }
}
