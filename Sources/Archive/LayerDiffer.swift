import BerthCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Computes a layer from the difference between two trees and streams it out as an OCI layer tar (the core of
/// containerd's Diff service): additions and modifications as entries, deletions as `.wh.NAME` whiteouts,
/// entries in walk order (by name within a directory, parents before children) as containerd writes them.
public enum LayerDiffer {
    /// Writes the layer to `write` as it is produced (nothing is buffered whole) and returns its digests. A
    /// `write` that throws stops the diff with its error; what it received so far is incomplete.
    public static func diff(
        _ source: DiffSource, compression: LayerCompression = .gzip,
        write: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> DiffedLayer {
        try withUTF8Names {
            try withoutActuallyEscaping(write) { write in try diff(source, compression: compression, to: write) }
        }
    }

    private static func diff(
        _ source: DiffSource, compression: LayerCompression, to write: @escaping (UnsafeRawBufferPointer) throws -> Void
    ) throws -> DiffedLayer {
        let tar = try LayerTarWriter(compression: compression, write: write)
        switch source {
        case .directories(let lower, let upper):
            let upperRoot = try directoryRoot(upper)
            let changes = ChangeWriter(root: upperRoot, tar: tar)
            try TreeWalk(lower: try lower.map(directoryRoot), upper: upperRoot, changes: changes).walk()
        case .overlayUpper(let upper):
            let upperRoot = try directoryRoot(upper)
            let changes = ChangeWriter(root: upperRoot, tar: tar)
            try OverlayUpperWalk(upper: upperRoot, changes: changes).walk()
        }
        return try tar.finish()
    }

    /// Runs `body` with this thread's character set UTF-8 (uselocale; the process's locale is untouched).
    /// libarchive reads names in the current locale: in the C locale any non-ASCII name fails to convert and is
    /// written marked `hdrcharset=BINARY`, which GNU tar warns about. In UTF-8 a UTF-8 name becomes a plain PAX
    /// record, as Go writes it, and only a name that is not UTF-8 is marked (and kept byte for byte). The diff
    /// does not suspend, so it stays on this thread.
    private static func withUTF8Names<T>(_ body: () throws -> T) rethrows -> T {
        guard let utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) else { return try body() }
        let previous = uselocale(utf8)
        defer {
            uselocale(previous)
            freelocale(utf8)
        }
        return try body()
    }

    /// `path` resolved, so that a symlink to the tree is walked and nothing in it is followed.
    private static func directoryRoot(_ path: String) throws -> RawPath {
        guard let resolved = realpath(path, nil) else { throw RawPath(path).failure("diffing") }
        defer { free(resolved) }
        let root = RawPath(cString: resolved)
        let info = try root.status()
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw BerthError.invalidArgument("cannot diff \(path): not a directory")
        }
        return root
    }
}

/// The two sides of a diff.
public enum DiffSource: Sendable, Equatable {
    /// Two directory trees (`lower` nil: an empty one), compared by a double walk as containerd's fs.Changes.
    case directories(lower: String?, upper: String)
    /// An overlay upper directory read as it is, without mounting: every entry in it is a change, 0/0
    /// character devices are whiteouts and `trusted.overlay.opaque=y` directories opaque. It must come from a
    /// mount without redirect_dir or metacopy, whose upper dirs need their lowers to be understood.
    case overlayUpper(String)
}

/// How the layer tar is compressed, and the OCI media type that says so.
public enum LayerCompression: Sendable, Equatable {
    case none, gzip, zstd

    public var mediaType: String {
        switch self {
        case .none: "application/vnd.oci.image.layer.v1.tar"
        case .gzip: "application/vnd.oci.image.layer.v1.tar+gzip"
        case .zstd: "application/vnd.oci.image.layer.v1.tar+zstd"
        }
    }

    /// From a Diff request's media type; "" is gzip, containerd's default. nil: not a type Berth writes
    /// (containerd answers it with "unsupported diff media type", not implemented).
    public init?(mediaType: String) {
        switch mediaType {
        case "", Self.gzip.mediaType: self = .gzip
        case Self.none.mediaType: self = .none
        case Self.zstd.mediaType: self = .zstd
        default: return nil
        }
    }
}

/// What a diff wrote: the blob for the content store and the diff ID of its uncompressed tar.
public struct DiffedLayer: Sendable, Equatable {
    /// sha256 of the uncompressed tar (containerd's `containerd.io/uncompressed` label, the image's diff ID).
    public var diffID: String
    public var uncompressedSize: Int64
    /// sha256 and size of the bytes written (compressed as asked).
    public var digest: String
    public var size: Int64
    public var mediaType: String
}
