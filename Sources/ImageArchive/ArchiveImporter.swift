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

/// Imports OCI image layout archives and Docker `save` archives, as containerd's client-side import
/// (images/archive.ImportIndex + Client.Import) does, in two sequential passes over the file:
///
/// 1. a scan that checks every entry (names, types, sizes), keeps the JSON documents in memory and plans the
///    import: which images, which blobs for the selected platforms, which GC labels. Nothing is written yet, so
///    a malformed archive, a missing or mis-sized blob or a filtered-out image writes nothing at all;
/// 2. a pass that streams the needed blobs that are not in memory (layers) to the sink, hashing them on the way.
///
/// Then the documents are stored (configs, manifests, indexes: children before parents) and the GC labels set.
/// No image record is created: the images are returned for the caller to create.
public enum ArchiveImporter {
    public static func importArchive(
        at path: String, into sink: some ArchiveContentSink, options: ImportOptions
    ) async throws -> [ImportedImage] {
        if options.skipDigestForNamed && !options.digests {
            throw BerthError.invalidArgument("--skip-digest-for-named must be specified with --digests option")
        }
        if let source = try unrereadableInput(path) {
            defer { if source != STDIN_FILENO { close(source) } }
            let spooled = try spool(source, name: path == "-" ? "standard input" : path)
            defer { unlink(spooled) }
            return try await Importer(path: spooled, options: options, sink: sink).run()
        }
        return try await Importer(path: path, options: options, sink: sink).run()
    }

    /// An open descriptor for "-" (standard input) and for paths that are not regular files (pipes, devices),
    /// which cannot be read twice; nil for regular files.
    private static func unrereadableInput(_ path: String) throws -> Int32? {
        if path == "-" { return STDIN_FILENO }
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }  // TarReader reports the error
        let type = info.st_mode & S_IFMT
        guard type != S_IFREG && type != S_IFDIR else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError.invalidArgument("open \(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Copies a stream to a temporary file, for the importer's two passes.
    private static func spool(_ source: Int32, name: String) throws -> String {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((directory + "/berth-import-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw BerthError.unavailable("creating a temporary file: \(String(cString: strerror(errno)))") }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                unlink(path)
                throw BerthError.unavailable("reading \(name): \(String(cString: strerror(errno)))")
            }
            if count == 0 { return path }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + offset, count - offset) }
                guard written > 0 else {
                    unlink(path)
                    throw BerthError.unavailable("writing a temporary file: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }
}

/// One import.
private struct Importer<Sink: ArchiveContentSink> {
    let path: String
    let options: ImportOptions
    let sink: Sink
    let matcher: PlatformMatcher
    /// The prefix of tag-only and digest names.
    let prefix: String

    init(path: String, options: ImportOptions, sink: Sink) {
        self.path = path
        self.options = options
        self.sink = sink
        if options.allPlatforms {
            matcher = .all
        } else if let platform = options.platform {
            matcher = .exactly([platform])
        } else {
            matcher = .only(options.hostPlatform)
        }
        prefix = options.baseName.flatMap { $0.isEmpty ? nil : $0 } ?? ImportOptions.defaultBaseName(for: options.date)
    }

    func run() async throws -> [ImportedImage] {
        let scan = try ArchiveScan(path: path)
        if let layout = scan.file(ArchiveScan.layoutFile) {
            let version = try Documents.decode(RawOCILayout.self, from: layout.document ?? [], what: "oci-layout").imageLayoutVersion ?? ""
            if !version.isEmpty {
                guard version == Documents.ociLayoutVersion else {
                    throw BerthError.invalidArgument("unsupported OCI version \(version)")
                }
                return try await importOCI(scan)
            }
        }
        if scan.file(ArchiveScan.dockerManifestFile) != nil {
            return try await importDocker(scan)
        }
        throw BerthError.invalidArgument("unrecognized image format: neither an OCI image layout (oci-layout) nor a Docker archive (manifest.json)")
    }

    // MARK: OCI image layout

    private func importOCI(_ scan: ArchiveScan) async throws -> [ImportedImage] {
        guard let indexFile = scan.file(ArchiveScan.indexFile), let indexBytes = indexFile.document else {
            throw BerthError.invalidArgument("missing index.json in OCI layout \(Documents.ociLayoutVersion)")
        }
        let index = OCIDescriptor(mediaType: MediaTypes.ociIndex, digest: indexFile.documentDigest!, size: indexFile.size)
        var walk = Walk(matcher: matcher) { descriptor in
            try Self.archiveDocument(descriptor, in: scan)
        }
        let images = try walk.top(index, document: indexBytes, names: naming)

        // Every blob the selected platforms need must be in the archive, with its descriptor's size.
        var streamed: [String: OCIDescriptor] = [:]
        var inMemory: [(OCIDescriptor, [UInt8])] = []
        for descriptor in walk.needed {
            let name = ArchiveScan.blobPath(descriptor.digest)
            guard let file = scan.file(name) else {
                if Documents.isNonDistributable(descriptor.mediaType) { continue }
                throw Self.missing(descriptor)
            }
            try Self.checkSize(descriptor, file)
            if let document = file.document {
                inMemory.append((descriptor, document))
            } else {
                streamed[name] = descriptor
            }
        }

        // Second pass: layers and other large blobs, straight from the archive to the sink.
        let jobs = streamed.mapValues { BlobJob(expected: $0, store: true, compress: false) }
        _ = try await streamBlobs(jobs, scan: scan)
        for (descriptor, document) in inMemory {
            try await store(document, as: descriptor)
        }
        if options.indexName != nil {
            try await store(indexBytes, as: index)
        }
        try await setLabels(walk)
        return images
    }

    /// A manifest or index in the archive, by its descriptor.
    private static func archiveDocument(_ descriptor: OCIDescriptor, in scan: ArchiveScan) throws -> [UInt8] {
        guard let file = scan.file(ArchiveScan.blobPath(descriptor.digest)) else { throw missing(descriptor) }
        try checkSize(descriptor, file)
        guard let document = file.document else {
            if file.size > Int64(ArchiveLimits.maxDocumentSize) {
                throw BerthError.invalidArgument(
                    "\(descriptor.mediaType) \(descriptor.digest) is larger than the \(ArchiveLimits.maxDocumentSize / (1024 * 1024)) MiB limit for JSON documents")
            }
            throw BerthError.invalidArgument("\(descriptor.mediaType) \(descriptor.digest) is not a JSON document")
        }
        return document
    }

    private static func missing(_ descriptor: OCIDescriptor) -> BerthError {
        BerthError.failedPrecondition(
            "\(descriptor.mediaType.isEmpty ? "blob" : descriptor.mediaType) \(descriptor.digest) is not in the archive")
    }

    private static func checkSize(_ descriptor: OCIDescriptor, _ file: ArchiveScan.File) throws {
        guard file.size == descriptor.size else {
            throw BerthError.invalidArgument(
                "blob \(descriptor.digest) holds \(file.size) bytes in the archive but its descriptor says \(descriptor.size)")
        }
    }

    // MARK: Docker archives

    private struct DockerImage {
        var config: OCIDescriptor
        var configBytes: [UInt8]
        var platform: OCIPlatform
        /// Resolved entry names of the layers, in order.
        var layers: [String]
        var names: [String]
        var selected: Bool
    }

    private func importDocker(_ scan: ArchiveScan) async throws -> [ImportedImage] {
        let list = try Documents.decode(
            [DockerArchiveManifest].self, from: scan.file(ArchiveScan.dockerManifestFile)?.document ?? [], what: "manifest.json")
        var images: [DockerImage] = []
        for (position, entry) in list.enumerated() {
            let what = "manifest.json entry \(position)"
            guard let configPath = entry.config else { throw BerthError.invalidArgument("\(what) has no Config") }
            let configName = try Self.archiveName(configPath, what: what)
            guard let (_, configFile) = try scan.resolveRegular(configName) else {
                throw BerthError.invalidArgument("image config \"\(configPath)\" not found")
            }
            guard let configBytes = configFile.document else {
                throw BerthError.invalidArgument("image config \"\(configPath)\" is not a JSON document within the size limit")
            }
            let config = try Documents.decode(RawImageConfig.self, from: configBytes, what: "image config \"\(configPath)\"")
            let platform = ArchivePlatforms.normalize(
                OCIPlatform(os: config.os ?? "", architecture: config.architecture ?? "", variant: config.variant.flatMap { $0.isEmpty ? nil : $0 }))
            var layers: [String] = []
            for layerPath in entry.layers ?? [] {
                let layerName = try Self.archiveName(layerPath, what: what)
                guard let (resolved, _) = try scan.resolveRegular(layerName) else {
                    throw BerthError.invalidArgument("failed to resolve layers: layer \"\(layerPath)\" not found")
                }
                layers.append(resolved)
            }
            let names = try (entry.repoTags ?? []).map(References.normalize)
            images.append(DockerImage(
                config: OCIDescriptor(mediaType: MediaTypes.dockerConfig, digest: configFile.documentDigest!, size: configFile.size),
                configBytes: configBytes, platform: platform, layers: layers, names: names, selected: matcher.matches(platform)))
        }
        guard images.contains(where: \.selected) else { throw Self.filteredOut }

        // Second pass: the selected images' layers go to the sink; the others' are only hashed, for their
        // manifests' digests (ctr names every image in the archive, whatever its platform).
        var jobs: [String: BlobJob] = [:]
        for image in images {
            for layer in image.layers where jobs[layer]?.store != true {
                let file = scan.file(layer)!
                let expected = ArchiveScan.blobDigest(layer).map {
                    OCIDescriptor(mediaType: Self.layerMediaType(file.magic), digest: $0.description, size: file.size)
                }
                let compress = options.compressBlobs && Self.compression(file.magic) == nil
                jobs[layer] = BlobJob(expected: compress ? nil : expected, store: image.selected, compress: compress, verify: expected)
            }
        }
        let stored = try await streamBlobs(jobs, scan: scan)

        // The schema 2 manifests and the index containerd builds for the archive.
        var manifests: [OCIDescriptor] = []
        var documents: [String: [UInt8]] = [:]
        for image in images {
            let layers = try image.layers.map { name -> OCIDescriptor in
                guard let result = stored[name], let file = scan.file(name) else {
                    throw BerthError.failedPrecondition("archive layer \(name) was not stored")
                }
                let mediaType = result.compressed ? MediaTypes.dockerLayerGzip : Self.layerMediaType(file.magic)
                return OCIDescriptor(mediaType: mediaType, digest: result.digest, size: result.size)
            }
            let bytes = GoJSON.dockerManifest(config: image.config, layers: layers)
            let digest = Digester.digest(of: bytes)
            documents[digest] = bytes
            let manifest = OCIDescriptor(mediaType: MediaTypes.dockerManifest, digest: digest, size: Int64(bytes.count), platform: image.platform)
            if image.names.isEmpty {
                manifests.append(manifest)
            }
            for name in image.names {
                var named = manifest
                named.annotations = [Documents.imageNameAnnotation: name, Documents.refNameAnnotation: References.ociReferenceName(name)]
                manifests.append(named)
            }
        }
        let indexBytes = GoJSON.index(manifests)
        let index = OCIDescriptor(mediaType: MediaTypes.ociIndex, digest: Digester.digest(of: indexBytes), size: Int64(indexBytes.count))
        var walk = Walk(matcher: matcher) { descriptor in
            guard let document = documents[descriptor.digest] else { throw Self.missing(descriptor) }
            return document
        }
        let result = try walk.top(index, document: indexBytes, names: naming)

        // Layers are in the sink; now configs and manifests, then the index when it is kept.
        var configs: [String: [UInt8]] = [:]
        for image in images { configs[image.config.digest] = image.configBytes }
        for descriptor in walk.needed {
            if let bytes = configs[descriptor.digest] ?? documents[descriptor.digest] {
                try await store(bytes, as: descriptor)
            }
        }
        for (name, blob) in stored where blob.compressed && jobs[name]?.store == true {
            try await sink.setLabels(digest: blob.digest, labels: ["containerd.io/uncompressed": blob.uncompressedDigest])
        }
        if options.indexName != nil {
            try await store(indexBytes, as: index)
        }
        try await setLabels(walk)
        return result
    }

    /// A path from manifest.json as an archive entry name; no absolute paths or `..`.
    private static func archiveName(_ path: String, what: String) throws -> String {
        do {
            return try ArchivePath.clean(path)
        } catch let error as BerthError {
            throw BerthError.invalidArgument("\(what): \(error.message)")
        }
    }

    private enum Compression { case gzip, zstd }

    /// containerd's compression.DetectCompression.
    private static func compression(_ magic: [UInt8]) -> Compression? {
        if magic.starts(with: [0x1F, 0x8B, 0x08]) { return .gzip }
        if magic.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        if magic.count >= 8, magic[0] & 0xF0 == 0x50, magic[1] == 0x2A, magic[2] == 0x4D, magic[3] == 0x18 { return .zstd }
        return nil
    }

    /// The media type of a Docker archive layer, from its first bytes: containerd's resolveLayers, except that a
    /// zstd layer gets the OCI zstd type rather than the gzip one.
    private static func layerMediaType(_ magic: [UInt8]) -> String {
        switch compression(magic) {
        case .gzip: MediaTypes.dockerLayerGzip
        case .zstd: MediaTypes.ociLayerZstd
        case nil: Documents.dockerLayer
        }
    }

    static var filteredOut: BerthError { BerthError.failedPrecondition("image might be filtered out") }

    // MARK: Naming (Client.Import's handler)

    private var naming: Naming {
        Naming(
            indexName: options.indexName.flatMap { $0.isEmpty ? nil : $0 },
            translate: { [prefix, options] reference in
                References.translate(reference, image: prefix, checkPrefix: options.baseName.map { !$0.isEmpty } ?? false)
            },
            digestName: options.digests ? { [prefix] digest in "\(prefix)@\(digest)" } : nil,
            skipDigestForNamed: options.skipDigestForNamed)
    }

    // MARK: Writing to the sink

    private struct BlobJob {
        /// What the sink is told to expect (nil: digest computed while streaming).
        var expected: OCIDescriptor?
        /// false: only hash the entry.
        var store: Bool
        var compress: Bool
        /// What the bytes must hash to, when known.
        var verify: OCIDescriptor?

        init(expected: OCIDescriptor?, store: Bool, compress: Bool, verify: OCIDescriptor? = nil) {
            self.expected = expected
            self.store = store
            self.compress = compress
            self.verify = verify ?? expected
        }
    }

    private struct BlobResult {
        var digest: String
        var size: Int64
        var compressed: Bool
        var uncompressedDigest: String
    }

    /// The second pass: streams the jobs' entries, in archive order.
    private func streamBlobs(_ jobs: [String: BlobJob], scan: ArchiveScan) async throws -> [String: BlobResult] {
        guard !jobs.isEmpty else { return [:] }
        let reader = try TarReader(path: path)
        var results: [String: BlobResult] = [:]
        while let entry = try reader.next() {
            guard let job = jobs[entry.name], entry.kind == .regular, results[entry.name] == nil else { continue }
            guard entry.size == scan.file(entry.name)?.size else {
                throw BerthError.failedPrecondition("the archive changed while it was imported (\(entry.name))")
            }
            let expectedDigest = try job.verify.map { try Digest(parsing: $0.digest) }
            let pump = try BlobPump(reader: reader, name: entry.name, size: entry.size, expectedDigest: expectedDigest, compress: job.compress)
            if job.store {
                let chunks = AsyncThrowingStream<[UInt8], any Error>(unfolding: { try pump.next() })
                let stored: (digest: String, size: Int64)
                do {
                    stored = try await sink.store(expected: job.expected, chunks: chunks)
                } catch {
                    throw pump.failure ?? error
                }
                if let failure = pump.failure { throw failure }
                guard pump.finished else {
                    // A sink that already has the expected blob may return without reading it all.
                    guard let expected = job.expected, stored.digest == expected.digest, stored.size == expected.size else {
                        throw BerthError.failedPrecondition("the content sink stopped reading \(entry.name) before its end")
                    }
                    results[entry.name] = BlobResult(
                        digest: expected.digest, size: expected.size, compressed: false, uncompressedDigest: expected.digest)
                    continue
                }
                guard stored.digest == pump.outputDigest, stored.size == pump.outputSize else {
                    throw BerthError.failedPrecondition(
                        "the content sink stored \(entry.name) as \(stored.digest) (\(stored.size) bytes), expected \(pump.outputDigest ?? "?") (\(pump.outputSize) bytes)")
                }
            } else {
                try pump.drain()
            }
            results[entry.name] = BlobResult(
                digest: pump.outputDigest!, size: pump.outputSize, compressed: job.compress, uncompressedDigest: pump.inputDigest!)
        }
        for name in jobs.keys where results[name] == nil {
            throw BerthError.failedPrecondition("the archive changed while it was imported (\(name) is gone)")
        }
        return results
    }

    /// Stores a document held in memory.
    private func store(_ bytes: [UInt8], as descriptor: OCIDescriptor) async throws {
        let chunks = AsyncThrowingStream<[UInt8], any Error> { continuation in
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + ArchiveLimits.chunkSize, bytes.count)
                continuation.yield(Array(bytes[offset..<end]))
                offset = end
            }
            continuation.finish()
        }
        let stored = try await sink.store(expected: descriptor, chunks: chunks)
        guard stored.digest == descriptor.digest, stored.size == descriptor.size else {
            throw BerthError.failedPrecondition(
                "the content sink stored \(descriptor.digest) as \(stored.digest) (\(stored.size) bytes)")
        }
    }

    private func setLabels(_ walk: Walk) async throws {
        for (digest, labels) in walk.labels where walk.isStored(digest, indexKept: options.indexName != nil) {
            try await sink.setLabels(digest: digest, labels: labels)
        }
    }
}

/// How Client.Import names what it imports.
private struct Naming {
    var indexName: String?
    /// For org.opencontainers.image.ref.name values; "" drops the name.
    var translate: (String) -> String
    var digestName: ((String) -> String)?
    var skipDigestForNamed: Bool

    /// imageName: io.containerd.image.name as is, else the translated OCI ref name.
    func name(_ annotations: [String: String]?) -> String {
        if let name = annotations?[Documents.imageNameAnnotation], !name.isEmpty { return name }
        if let reference = annotations?[Documents.refNameAnnotation], !reference.isEmpty { return translate(reference) }
        return ""
    }
}

/// Client.Import's walk: images from the top index's entries, then FilterPlatforms + SetChildrenLabels down the
/// tree. Records which blobs are needed (children before parents) and the labels each parent gets.
private struct Walk {
    let matcher: PlatformMatcher
    let document: (OCIDescriptor) throws -> [UInt8]
    private(set) var needed: [OCIDescriptor] = []
    private(set) var labels: [(String, [String: String])] = []
    private var top: String?
    private var visited = Set<String>()

    init(matcher: PlatformMatcher, document: @escaping (OCIDescriptor) throws -> [UInt8]) {
        self.matcher = matcher
        self.document = document
    }

    mutating func top(_ index: OCIDescriptor, document bytes: [UInt8], names: Naming) throws -> [ImportedImage] {
        top = index.digest
        let manifests = try Documents.children(of: index, document: bytes)
        var images: [ImportedImage] = []
        if let indexName = names.indexName { images.append(ImportedImage(name: indexName, target: index)) }
        for manifest in manifests {
            let name = names.name(manifest.annotations)
            if !name.isEmpty { images.append(ImportedImage(name: name, target: manifest)) }
            if names.skipDigestForNamed && !name.isEmpty { continue }
            if let digestName = names.digestName {
                images.append(ImportedImage(name: digestName(manifest.digest), target: manifest))
            }
        }
        let selected = manifests.filter { $0.platform.map(matcher.matches) ?? true }
        guard !selected.isEmpty else { throw BerthError.failedPrecondition("image might be filtered out") }
        labels.append((index.digest, Documents.childLabels(selected)))
        visited.insert(index.digest)
        for manifest in selected { try visit(manifest, depth: 1) }
        return Self.deduplicated(images)
    }

    private mutating func visit(_ descriptor: OCIDescriptor, depth: Int) throws {
        guard visited.insert(descriptor.digest).inserted else { return }
        var children: [OCIDescriptor] = []
        if MediaTypes.isManifest(descriptor.mediaType) || MediaTypes.isIndex(descriptor.mediaType) {
            guard depth <= ArchiveLimits.maxIndexDepth else {
                throw BerthError.invalidArgument("indexes nest deeper than \(ArchiveLimits.maxIndexDepth) levels")
            }
            children = try Documents.children(of: descriptor, document: document(descriptor))
                .filter { $0.platform.map(matcher.matches) ?? true }
        }
        for child in children { try visit(child, depth: depth + 1) }
        if !children.isEmpty { labels.append((descriptor.digest, Documents.childLabels(children))) }
        needed.append(descriptor)
    }

    /// Whether a parent's blob goes to the sink: all do but the top index, which only with --index-name.
    func isStored(_ digest: String, indexKept: Bool) -> Bool {
        digest != top || indexKept || needed.contains { $0.digest == digest }
    }

    /// A name given twice names the last target, at its first place (ctr updates the image twice).
    private static func deduplicated(_ images: [ImportedImage]) -> [ImportedImage] {
        var position: [String: Int] = [:]
        var result: [ImportedImage] = []
        for image in images {
            if let index = position[image.name] {
                result[index].target = image.target
            } else {
                position[image.name] = result.count
                result.append(image)
            }
        }
        return result
    }
}
