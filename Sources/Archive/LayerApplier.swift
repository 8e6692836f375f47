import BerthCore
import CLibArchive
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Applies one layer (tar, optionally gzip or zstd compressed) to a directory, streaming: no entry is
/// held in memory. libarchive writes the entries with its secure-extraction checks (no `..`, no absolute
/// paths, nothing through a symlink); whiteouts become overlay whiteouts or deletions.
public enum LayerApplier {
    static let diskOptions = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR
        | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT

    /// `read` fills the buffer with the next compressed bytes and returns the count (0 at the end).
    /// `lowers` are the layers below an overlay upper dir, nearest first; without them (lowers still being
    /// applied), call `inheritLowerAttributes` with the result's `implicitDirectories` once they are done.
    /// A layer that expands beyond `limit` fails with `.resourceExhausted`; what it extracted so far stays
    /// for the caller to remove with the snapshot.
    public static func apply(
        to root: String, style: WhiteoutStyle, lowers: [String] = [], limit: DecompressionLimit = .default,
        read: @escaping (UnsafeMutableRawBufferPointer) throws -> Int
    ) throws -> AppliedLayer {
        guard let resolved = realpath(root, nil) else {
            throw BerthError.notFound("layer target \(root): \(String(cString: strerror(errno)))")
        }
        let target = String(cString: resolved)
        free(resolved)
        let workingDirectory = try ThreadWorkingDirectory(entering: target)
        defer { workingDirectory.leave() }
        let decompressed = try DecompressedStream(limit: limit, read: read)
        let tarInput = CallbackSource(bufferSize: 1 << 20) { try decompressed.read(into: $0) }
        guard let tar = archive_read_new(), let disk = archive_write_disk_new() else {
            throw BerthError(.resourceExhausted, "libarchive: out of memory")
        }
        defer {
            archive_read_free(tar)
            archive_write_free(disk)
        }
        archive_read_support_format_tar(tar)
        archive_write_disk_set_options(disk, Int32(diskOptions))
        guard tarInput.open(tar) == ARCHIVE_OK
        else { throw tarInput.error ?? BerthError.invalidArgument("layer is not a tar stream: \(LibArchiveError.message(tar))") }

        var extraction = Extraction(root: target, style: style, lowers: lowers, tar: tar, disk: disk, input: tarInput)
        while true {
            var entry: OpaquePointer?
            let status = archive_read_next_header(tar, &entry)
            if status == ARCHIVE_EOF { break }
            guard status >= ARCHIVE_WARN, let entry else {
                throw tarInput.error ?? decompressed.source.error
                    ?? BerthError.invalidArgument("layer is not a valid tar stream: \(LibArchiveError.message(tar))")
            }
            try extraction.apply(entry)
        }
        try decompressed.drain()
        guard archive_write_close(disk) == ARCHIVE_OK else {
            throw BerthError(.unknown, "finishing layer extraction: \(LibArchiveError.message(disk))")
        }
        return AppliedLayer(
            diffID: decompressed.hasher.finalize().description, size: decompressed.size,
            implicitDirectories: extraction.implicitDirectories)
    }
}
