import BerthCore
import CLibArchive
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Turns the changes of a walk into tar entries, as containerd's archive.ChangeWriter: a changed entry's
/// unchanged parent directories go first, so that a layer never leaves a directory to be guessed; files
/// sharing an inode become one entry with data and hard links to it, unchanged ones included.
final class ChangeWriter {
    static let whiteoutPrefix = Array(Extraction.whiteoutPrefix.utf8)
    static let opaqueMarker = Array(Extraction.opaqueMarker.utf8)

    /// The tree the entries are read from (the upper one).
    let root: RawPath
    let tar: LayerTarWriter
    /// Directories written so far: with them, all their parents.
    private var writtenDirectories = Set<RawPath>()
    /// For each shared inode written, the entry that holds its data.
    private var linkSources: [Inode: RawPath] = [:]
    /// Unchanged names of shared inodes not written yet: linked to the first changed name of the inode.
    private var unchangedLinks: [Inode: [RawPath]] = [:]
    private var buffer: UnsafeMutableRawBufferPointer

    init(root: RawPath, tar: LayerTarWriter) {
        self.root = root
        self.tar = tar
        buffer = .allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// `relative` is added or modified: its entry, or a hard link to an earlier name of its inode.
    func changed(_ relative: RawPath, _ info: stat) throws {
        let type = info.st_mode & S_IFMT
        if type == S_IFSOCK { return }  // a socket is bound by a process, not carried in a layer (as containerd)
        try includeParents(of: relative)
        if type == S_IFDIR {
            try writeEntry(relative, info)
            writtenDirectories.insert(relative)
            return
        }
        guard info.st_nlink > 1 else { return try writeEntry(relative, info) }
        let inode = Inode(info)
        if let source = linkSources[inode] { return try writeEntry(relative, info, hardLinkTo: source) }
        linkSources[inode] = relative
        try writeEntry(relative, info)
        for name in unchangedLinks.removeValue(forKey: inode) ?? [] {
            try includeParents(of: name)
            try writeEntry(name, info, hardLinkTo: relative)
        }
    }

    /// `relative` is the same as below; only a name of a shared inode that changed elsewhere is written.
    func unchanged(_ relative: RawPath, _ info: stat) throws {
        guard (info.st_mode & S_IFMT) != S_IFDIR, info.st_nlink > 1 else { return }
        let inode = Inode(info)
        if let source = linkSources[inode] {
            try includeParents(of: relative)
            try writeEntry(relative, info, hardLinkTo: source)
        } else {
            unchangedLinks[inode, default: []].append(relative)
        }
    }

    /// `relative` was deleted: `.wh.NAME` beside it.
    func deleted(_ relative: RawPath) throws {
        try writeMarker(relative.parent.appending(Self.whiteoutPrefix + relative.base))
    }

    /// The directory `relative` hides what the layers below have in it: `DIR/.wh..wh..opq`.
    func opaque(_ relative: RawPath) throws {
        try writeMarker(relative.appending(Self.opaqueMarker))
    }

    /// Writes the directories above `relative` that are not in the layer yet, outermost first.
    private func includeParents(of relative: RawPath) throws {
        var missing: [RawPath] = []
        var parent = relative.parent
        while !parent.isEmpty && !writtenDirectories.contains(parent) {
            missing.append(parent)
            parent = parent.parent
        }
        for directory in missing.reversed() {
            let info = try root.appending(directory).status()
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw BerthError(.unknown, "diffing \(relative.display): \(directory.display) is no longer a directory")
            }
            try writeEntry(directory, info)
            writtenDirectories.insert(directory)
        }
    }

    /// A whiteout or opaque marker: an empty file, owned by root, dated at the epoch so that the same change
    /// makes the same layer.
    private func writeMarker(_ name: RawPath) throws {
        try includeParents(of: name)
        try withEntry(name) { entry in
            archive_entry_set_filetype(entry, UInt32(S_IFREG as mode_t))
            archive_entry_set_perm(entry, 0)
            archive_entry_set_size(entry, 0)
            archive_entry_set_mtime(entry, 0, 0)
            try tar.writeHeader(entry, name: name)
        }
    }

    /// The entry of `relative` from its lstat: ownership, mode, mtime, the layer's extended attributes, and
    /// the data, link target or device number; or a hard link to `source`, without data.
    private func writeEntry(_ relative: RawPath, _ info: stat, hardLinkTo source: RawPath? = nil) throws {
        let path = root.appending(relative)
        let type = info.st_mode & S_IFMT
        try withEntry(relative) { entry in
            archive_entry_set_filetype(entry, UInt32(type))
            archive_entry_set_perm(entry, info.st_mode & 0o7777)
            archive_entry_set_uid(entry, la_int64_t(info.st_uid))
            archive_entry_set_gid(entry, la_int64_t(info.st_gid))
            archive_entry_set_mtime(entry, info.st_mtim.tv_sec, info.st_mtim.tv_nsec)
            if let source {
                archive_entry_set_hardlink(entry, source.cString)
                archive_entry_set_size(entry, 0)
            } else if type == S_IFREG {
                archive_entry_set_size(entry, la_int64_t(info.st_size))
            } else if type == S_IFLNK {
                archive_entry_set_symlink(entry, RawPath(try path.linkTarget()).cString)
            } else if type == S_IFCHR || type == S_IFBLK {
                archive_entry_set_rdev(entry, info.st_rdev)
            }
            for xattr in Xattrs.layerAttributes(path.cString) {
                xattr.value.withUnsafeBytes { value in
                    archive_entry_xattr_add_entry(entry, xattr.name, value.baseAddress, value.count)
                }
            }
            try tar.writeHeader(entry, name: relative)
        }
        if source == nil && type == S_IFREG && info.st_size > 0 {
            try copyData(path, name: relative, size: Int64(info.st_size))
        }
    }

    private func withEntry(_ name: RawPath, _ body: (OpaquePointer) throws -> Void) throws {
        guard let entry = archive_entry_new() else { throw BerthError(.resourceExhausted, "libarchive: out of memory") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, name.cString)
        try body(entry)
    }

    /// Exactly `size` bytes of the file: one that changes while it is read fails the diff rather than
    /// making an entry that disagrees with its header.
    private func copyData(_ path: RawPath, name: RawPath, size: Int64) throws {
        let fd = try path.openRegularFile()
        defer { close(fd) }
        var remaining = size
        while remaining > 0 {
            let count = read(fd, buffer.baseAddress, Int(min(Int64(buffer.count), remaining)))
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw path.failure("read") }
            guard count > 0 else {
                throw BerthError(.aborted, "diffing \(name.display): the file shrank while it was read")
            }
            try tar.writeData(UnsafeRawBufferPointer(rebasing: buffer[..<count]), name: name)
            remaining -= Int64(count)
        }
    }
}

/// A file's identity: device and inode number.
struct Inode: Hashable {
    let device: UInt64
    let number: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        number = UInt64(info.st_ino)
    }
}
