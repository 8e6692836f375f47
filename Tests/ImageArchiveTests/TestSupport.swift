import BerthCore
import Foundation
import OCI
import Testing

@testable import ImageArchive

/// The tests' own content store: blobs in memory, verified on the way in, committed only when the stream of
/// chunks ended normally. It is both the importer's sink and the exporter's source.
actor MemoryContentStore: ArchiveContentSink, ArchiveContentSource {
    struct Blob {
        var bytes: [UInt8]
        var labels: [String: String]
    }

    private(set) var blobs: [String: Blob] = [:]
    /// Stores that ended without committing (stream error or verification failure).
    private(set) var abortedStores = 0
    /// Stores told nothing about the blob in advance.
    private(set) var storesWithoutExpectation = 0

    /// Returns at once, reading nothing, when the expected blob is already stored (as containerd's WriteBlob does).
    private let skipsExisting: Bool
    private(set) var skippedExisting = 0

    init(skipsExisting: Bool = false) {
        self.skipsExisting = skipsExisting
    }

    func store(expected: OCIDescriptor?, chunks: AsyncThrowingStream<[UInt8], any Error>) async throws -> (digest: String, size: Int64) {
        if skipsExisting, let expected, let blob = blobs[expected.digest] {
            skippedExisting += 1
            return (expected.digest, Int64(blob.bytes.count))
        }
        var bytes: [UInt8] = []
        do {
            for try await chunk in chunks { bytes += chunk }
        } catch {
            abortedStores += 1
            throw error
        }
        let algorithm = try expected.map { try Digest(parsing: $0.digest).algorithm } ?? .sha256
        let digest = Digester.digest(of: bytes, algorithm)
        if let expected {
            guard expected.digest == digest, expected.size == Int64(bytes.count) else {
                abortedStores += 1
                throw BerthError.failedPrecondition("unexpected commit digest \(digest), expected \(expected.digest)")
            }
        } else {
            storesWithoutExpectation += 1
        }
        if blobs[digest] == nil { blobs[digest] = Blob(bytes: bytes, labels: [:]) }
        return (digest, Int64(bytes.count))
    }

    func setLabels(digest: String, labels: [String: String]) async throws {
        guard blobs[digest] != nil else { throw BerthError.notFound("content digest \(digest)") }
        blobs[digest]!.labels.merge(labels) { $1 }
    }

    func read(_ descriptor: OCIDescriptor) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        guard let blob = blobs[descriptor.digest] else { throw BerthError.notFound("content digest \(descriptor.digest)") }
        let bytes = blob.bytes
        return AsyncThrowingStream { continuation in
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + 100_000, bytes.count)
                continuation.yield(Array(bytes[offset..<end]))
                offset = end
            }
            continuation.finish()
        }
    }

    func readAll(_ descriptor: OCIDescriptor) async throws -> [UInt8] {
        guard let blob = blobs[descriptor.digest] else { throw BerthError.notFound("content digest \(descriptor.digest)") }
        return blob.bytes
    }

    func labels(_ digest: String) -> [String: String]? { blobs[digest]?.labels }
    func bytes(_ digest: String) -> [UInt8]? { blobs[digest]?.bytes }
    var digests: Set<String> { Set(blobs.keys) }

    /// For source tests: a blob put in directly.
    @discardableResult
    func put(_ bytes: [UInt8]) -> String {
        let digest = Digester.digest(of: bytes)
        blobs[digest] = Blob(bytes: bytes, labels: [:])
        return digest
    }

    /// Replaces a blob's bytes, keeping its key: content that no longer matches its digest.
    func corrupt(_ digest: String, with bytes: [UInt8]) {
        blobs[digest]?.bytes = bytes
    }

    /// Every blob reachable from `target` through manifests and indexes is present.
    func reachable(from target: OCIDescriptor) throws -> Set<String> {
        var seen = Set<String>()
        func visit(_ descriptor: OCIDescriptor) throws {
            guard seen.insert(descriptor.digest).inserted else { return }
            guard let bytes = blobs[descriptor.digest]?.bytes else { return }
            for child in try Documents.children(of: descriptor, document: bytes) { try visit(child) }
        }
        try visit(target)
        return seen
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Tools {
    static let umoci = "/usr/bin/umoci"
    static let skopeo = "/usr/bin/skopeo"
    static let python = "/usr/bin/python3"
    static let busybox = "/bin/busybox"

    static var imageToolsAvailable: Bool {
        [umoci, skopeo, busybox].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var pythonAvailable: Bool { FileManager.default.isExecutableFile(atPath: python) }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(text)")
        }
        return text
    }
}

/// A temporary directory, removed when the test is done with it.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/imagearchive-test-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw TestFailure("mkdtemp failed")
        }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    /// Names directly inside the directory.
    func contents() throws -> Set<String> { Set(try FileManager.default.contentsOfDirectory(atPath: path)) }
}

/// Real images built with umoci and skopeo from busybox-static.
enum Fixtures {
    /// An OCI image layout at `<dir>/layout` with tag `latest`: one gzip layer holding /bin/busybox, config with
    /// the host's platform and `Cmd: ["/bin/busybox", "sh"]`.
    static func busyboxLayout(in directory: TemporaryDirectory) throws -> String {
        let layout = directory.file("layout")
        let bundle = directory.file("bundle")
        try Tools.run(Tools.umoci, ["init", "--layout", layout])
        try Tools.run(Tools.umoci, ["new", "--image", layout + ":latest"])
        try Tools.run(Tools.umoci, ["unpack", "--rootless", "--image", layout + ":latest", bundle])
        try FileManager.default.createDirectory(atPath: bundle + "/rootfs/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Tools.busybox, toPath: bundle + "/rootfs/bin/busybox")
        try Tools.run(Tools.umoci, ["repack", "--image", layout + ":latest", bundle])
        try Tools.run(Tools.umoci, ["config", "--image", layout + ":latest", "--config.cmd", "/bin/busybox", "--config.cmd", "sh"])
        try Tools.run(Tools.umoci, ["gc", "--layout", layout])
        try FileManager.default.removeItem(atPath: bundle)
        return layout
    }

    /// `skopeo copy oci:<layout>:latest oci-archive:<file>:<name>`
    static func ociArchive(from layout: String, to file: String, name: String) throws {
        try Tools.run(Tools.skopeo, ["--insecure-policy", "copy", "-q", "oci:\(layout):latest", "oci-archive:\(file):\(name)"])
    }

    /// `skopeo copy oci:<layout>:latest docker-archive:<file>:<name>`: legacy Docker save format (uncompressed
    /// `<diffid>.tar` layers, `<id>/layer.tar` symlinks, manifest.json and repositories).
    static func dockerArchive(from layout: String, to file: String, name: String) throws {
        try Tools.run(Tools.skopeo, ["--insecure-policy", "copy", "-q", "oci:\(layout):latest", "docker-archive:\(file):\(name)"])
    }

    /// The index.json of an OCI layout directory, decoded.
    static func index(of layout: String) throws -> ImageIndex {
        try JSONDecoder().decode(ImageIndex.self, from: Data(contentsOf: URL(fileURLWithPath: layout + "/index.json")))
    }

    static func blob(_ layout: String, _ digest: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: layout + "/blobs/" + digest.replacingOccurrences(of: ":", with: "/"))))
    }

    /// Runs the hostile-archive generator (Python's tarfile) in `mode`, writing `file`.
    static func synthetic(_ mode: String, to file: String, in directory: TemporaryDirectory) throws {
        let script = directory.file("make-archive.py")
        if !FileManager.default.fileExists(atPath: script) {
            try Data(generator.utf8).write(to: URL(fileURLWithPath: script))
        }
        try Tools.run(Tools.python, [script, mode, file])
    }

    /// Builds small OCI layout and Docker archives with Python's tarfile, well-formed or deliberately hostile.
    static let generator = #"""
import gzip, hashlib, io, json, os, random, sys, tarfile

mode, out = sys.argv[1], sys.argv[2]

def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()

def blobpath(data):
    return "blobs/sha256/" + hashlib.sha256(data).hexdigest()

def tar_of(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()

# A layer that does not look like JSON and is big enough to be streamed, not kept in memory.
raw_layer = tar_of([("hello.txt", b"hello from a synthetic layer\n"), ("noise.bin", random.Random(42).randbytes(300000))])
layer = gzip.compress(raw_layer, mtime=0)
arch = os.uname().machine
arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(arch, arch)
config = json.dumps({"architecture": arch, "os": "linux",
                     "rootfs": {"type": "layers", "diff_ids": [sha(raw_layer)]}}).encode()

def manifest(config, layers, layer_sizes=None):
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha(l),
                    "size": (layer_sizes[i] if layer_sizes else len(l))} for i, l in enumerate(layers)]}).encode()

def index(entries):
    return json.dumps({"schemaVersion": 2, "manifests": entries}).encode()

def entry(doc, media="application/vnd.oci.image.manifest.v1+json", ref="latest", platform=None):
    e = {"mediaType": media, "digest": sha(doc), "size": len(doc)}
    if ref:
        e["annotations"] = {"org.opencontainers.image.ref.name": ref}
    if platform:
        e["platform"] = platform
    return e

members = []  # (TarInfo, bytes or None)

def add(name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    members.append((info, data))

def link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    members.append((info, None))

def oci(manifest_doc=None, index_doc=None, config_doc=None, layer_doc=None, skip=()):
    m = manifest_doc if manifest_doc is not None else manifest(config, [layer])
    for name, data in [(blobpath(layer), layer_doc if layer_doc is not None else layer),
                       (blobpath(config), config_doc if config_doc is not None else config),
                       (blobpath(m), m)]:
        if name not in skip:
            add(name, data)
    add("index.json", index_doc if index_doc is not None else index([entry(m)]))
    add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    return m

compression = ""
if mode == "good":
    oci()
elif mode == "good-gzip":
    oci()
    compression = "gz"
elif mode == "dotdot":
    oci()
    add("blobs/../../escaped.txt", b"escaped\n")
elif mode == "absolute":
    oci()
    add("/tmp/imagearchive-absolute-escape.txt", b"escaped\n")
elif mode == "symlink-blob":
    m = manifest(config, [layer])
    add(blobpath(config), config)
    add(blobpath(m), m)
    link(blobpath(layer), "../../../../../../etc/passwd")
    add("index.json", index([entry(m)]))
    add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
elif mode == "hardlink-blob":
    m = manifest(config, [layer])
    add("layer.bin", layer)
    add(blobpath(config), config)
    add(blobpath(m), m)
    link(blobpath(layer), "layer.bin", tarfile.LNKTYPE)
    add("index.json", index([entry(m)]))
    add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
elif mode == "bad-layer-digest":
    tampered = bytearray(layer)
    tampered[len(tampered) // 2] ^= 0xFF
    oci(layer_doc=bytes(tampered))
elif mode == "bad-config-digest":
    oci(config_doc=config.replace(b'"linux"', b'"LINUX"'))
elif mode == "layer-larger-than-descriptor":
    oci(manifest_doc=manifest(config, [layer], layer_sizes=[len(layer) - 100]))
elif mode == "missing-layer":
    oci(skip=(blobpath(layer),))
elif mode == "missing-manifest":
    m = manifest(config, [layer])
    oci(skip=(blobpath(m),))
elif mode == "deep-json":
    oci(index_doc=b'{"a":' * 5000 + b"1" + b"}" * 5000)
elif mode == "deep-manifest":
    m = b'{"schemaVersion":2,"x":' + b"[" * 5000 + b"]" * 5000 + b"}"
    add(blobpath(m), m)
    add("index.json", index([entry(m)]))
    add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
elif mode == "big-json":
    oci(index_doc=index([]) + b" " * (17 * 1024 * 1024))
elif mode == "big-manifest":
    m = manifest(config, [layer])[:-1] + b"," + b'"pad":"' + b"x" * (17 * 1024 * 1024) + b'"}'
    oci(manifest_doc=m)
elif mode == "nested-indexes":
    m = manifest(config, [layer])
    add(blobpath(layer), layer)
    add(blobpath(config), config)
    add(blobpath(m), m)
    child = entry(m, ref=None)
    for _ in range(40):
        doc = index([child])
        add(blobpath(doc), doc)
        child = entry(doc, media="application/vnd.oci.image.index.v1+json", ref=None)
    child["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
    add("index.json", index([child]))
    add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
elif mode == "bad-oci-version":
    oci()
    members[:] = [m for m in members if m[0].name != "oci-layout"]
    add("oci-layout", b'{"imageLayoutVersion":"9.9.9"}')
elif mode == "unrecognized":
    add("README", b"not an image\n")
elif mode == "duplicate-entry":
    oci()
    add(blobpath(layer), layer)
elif mode.startswith("docker"):
    cfg_name = hashlib.sha256(config).hexdigest() + ".json"
    add(cfg_name, config)
    layer_path = "0123abcd/layer.tar"
    tags = ["example.com/synthetic:docker"]
    if mode == "docker-good":
        add(layer_path, raw_layer)
    elif mode == "docker-dotdot":
        layer_path = "../outside/layer.tar"
        add("0123abcd/layer.tar", raw_layer)
    elif mode == "docker-symlink-escape":
        add("real.tar", raw_layer)
        link(layer_path, "../../../etc/passwd")
    elif mode == "docker-symlink-inside":
        add("layers/real.tar", raw_layer)
        link(layer_path, "../layers/real.tar")
    elif mode == "docker-uppercase-tag":
        add(layer_path, raw_layer)
        tags = ["Example.com/Synthetic:Docker"]
    elif mode == "docker-blobs-layout":
        layer_path = blobpath(layer)
        add(layer_path, layer)
    elif mode == "docker-blobs-bad-digest":
        layer_path = blobpath(layer)
        tampered = bytearray(layer)
        tampered[len(tampered) // 2] ^= 0xFF
        add(layer_path, bytes(tampered))
    elif mode == "docker-missing-layer":
        pass
    else:
        raise SystemExit("unknown mode " + mode)
    add("manifest.json", json.dumps([{"Config": cfg_name, "RepoTags": tags, "Layers": [layer_path]}]).encode())
else:
    raise SystemExit("unknown mode " + mode)

with tarfile.open(out, "w:" + compression, format=tarfile.PAX_FORMAT) as t:
    for info, data in members:
        t.addfile(info, io.BytesIO(data) if data is not None else None)
"""#
}

/// Runs `body` and checks that it throws a BerthError of one of `kinds` whose message contains `text`.
func expectBerthError<T>(
    _ kinds: Set<BerthError.Kind>, containing text: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async {
    do {
        _ = try await body()
        Issue.record("expected an error containing \"\(text)\", got success", sourceLocation: sourceLocation)
    } catch let error as BerthError {
        #expect(kinds.contains(error.kind), "\(error.kind.rawValue): \(error.message)", sourceLocation: sourceLocation)
        #expect(text.isEmpty || error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a BerthError, got \(error)", sourceLocation: sourceLocation)
    }
}
