import BerthCore
import Foundation
import OCI

/// Where imported blobs go. The CLI passes an adapter over the content service (inside a lease).
public protocol ArchiveContentSink: Sendable {
    /// Stores a blob read from `chunks`. `expected` is nil when the importer does not know the digest in advance
    /// (Docker layers: the digest is computed while streaming). When given, the sink must verify digest and
    /// size against it. The importer itself hashes every byte it hands out and ends `chunks` with an error,
    /// never with a normal end, when the bytes do not match; a sink must therefore commit only after `chunks`
    /// finished normally. A sink that already has the `expected` blob may return at once without reading
    /// `chunks` (containerd's WriteBlob on AlreadyExists); with `expected == nil` it must read them to the end.
    /// Returns the stored blob's digest and size.
    func store(expected: OCIDescriptor?, chunks: AsyncThrowingStream<[UInt8], any Error>) async throws -> (digest: String, size: Int64)

    /// Adds or replaces `labels` on the stored blob `digest`, leaving its other labels as they are
    /// (containerd's content Update with `labels.<key>` field paths).
    func setLabels(digest: String, labels: [String: String]) async throws
}

/// Where exported blobs come from.
public protocol ArchiveContentSource: Sendable {
    /// The blob's bytes, in chunks. The exporter verifies size and digest while writing.
    func read(_ descriptor: OCIDescriptor) async throws -> AsyncThrowingStream<[UInt8], any Error>
    /// A small document (index, manifest, config), whole.
    func readAll(_ descriptor: OCIDescriptor) async throws -> [UInt8]
}

/// An image an import wants to exist. The importer never creates image records: the caller creates (or
/// updates) them, in this order, once the import returned.
public struct ImportedImage: Sendable, Hashable {
    public var name: String
    public var target: OCIDescriptor

    public init(name: String, target: OCIDescriptor) {
        self.name = name
        self.target = target
    }
}

/// `ctr images import`'s flags that change what is imported and how images are named.
public struct ImportOptions: Sendable {
    /// `--base-name`: names tag-only references `<baseName>:<tag>` and drops full references that do not start
    /// with it. When nil, tag-only references become `import-<yyyy-MM-dd>:<tag>` and full references are kept.
    public var baseName: String?
    /// `--digests`: also name every top-level manifest `<prefix>@<digest>`.
    public var digests: Bool
    /// `--skip-digest-for-named`: with `digests`, skip the digest name for manifests that already have a name.
    public var skipDigestForNamed: Bool
    /// `--index-name`: keep the archive's index (or, for Docker archives, the index built for it) as this image.
    public var indexName: String?
    /// `--all-platforms`: import the content of every platform.
    public var allPlatforms: Bool
    /// `--platform`: import the content of this platform only (strict match). When nil (and not
    /// `allPlatforms`), the host platform and the ones it runs (containerd's platforms.Default()).
    public var platform: OCIPlatform?
    /// `--compress-blobs`: gzip uncompressed layers of Docker archives while importing.
    public var compressBlobs: Bool
    /// The platform `platform == nil` means. Defaults to this machine's.
    public var hostPlatform: OCIPlatform
    /// The date in the default base name `import-<yyyy-MM-dd>` (local time, as ctr).
    public var date: Date

    public init(
        baseName: String? = nil, digests: Bool = false, skipDigestForNamed: Bool = false, indexName: String? = nil,
        allPlatforms: Bool = false, platform: OCIPlatform? = nil, compressBlobs: Bool = false,
        hostPlatform: OCIPlatform = ArchivePlatforms.host, date: Date = Date()
    ) {
        self.baseName = baseName
        self.digests = digests
        self.skipDigestForNamed = skipDigestForNamed
        self.indexName = indexName
        self.allPlatforms = allPlatforms
        self.platform = platform
        self.compressBlobs = compressBlobs
        self.hostPlatform = hostPlatform
        self.date = date
    }

    /// ctr's default prefix when no base name is given: `import-2006-01-02` in local time.
    public static func defaultBaseName(for date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let year = parts.year ?? 1970, month = parts.month ?? 1, day = parts.day ?? 1
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "import-\(year)-\(two(month))-\(two(day))"
    }
}

/// `ctr images export`'s flags.
public struct ExportOptions: Sendable {
    /// `--all-platforms`: every manifest of an index, not only `platform`'s.
    public var allPlatforms: Bool
    /// The platform whose manifests an index contributes (`--platform`, else the host's). With
    /// `allPlatforms` it still picks the manifest named in manifest.json.
    public var platform: OCIPlatform
    /// `--skip-manifest-json`: no Docker-compatible manifest.json.
    public var skipDockerManifest: Bool
    /// `--skip-non-distributable`: leave out non-distributable (foreign) layers.
    public var skipNonDistributable: Bool

    public init(
        allPlatforms: Bool = false, platform: OCIPlatform = ArchivePlatforms.host, skipDockerManifest: Bool = false,
        skipNonDistributable: Bool = false
    ) {
        self.allPlatforms = allPlatforms
        self.platform = platform
        self.skipDockerManifest = skipDockerManifest
        self.skipNonDistributable = skipNonDistributable
    }
}

/// Limits on what an archive may hold, so that a hostile one cannot exhaust memory.
public enum ArchiveLimits {
    /// The largest JSON document (oci-layout, index.json, manifest.json, manifests, indexes, configs) read.
    public static let maxDocumentSize = 16 * 1024 * 1024
    /// The most JSON documents' bytes an import keeps in memory at once.
    public static let maxRetainedDocuments = 128 * 1024 * 1024
    /// The deepest nesting of arrays and objects accepted in a JSON document.
    public static let maxJSONDepth = 64
    /// The most entries an archive may have.
    public static let maxEntries = 1_000_000
    /// The deepest nesting of indexes within indexes followed.
    public static let maxIndexDepth = 16
    /// Bytes per chunk handed to a sink.
    static let chunkSize = 256 * 1024
}
