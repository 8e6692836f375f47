import BerthCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The double walk of containerd's fs.Changes: both trees' directories are read in name order side by side;
/// a name only below is deleted, one only above added, one in both modified when `FileComparison` finds it
/// changed. A deleted directory is one whiteout; its contents are not walked.
struct TreeWalk {
    /// nil: an empty tree.
    let lower: RawPath?
    let upper: RawPath
    let changes: ChangeWriter

    func walk() throws {
        try walk(.empty, lowerIsDirectory: lower != nil)
    }

    /// Compares the directory `relative`, present in the upper tree and, when `lowerIsDirectory`, as a
    /// directory in the lower one.
    private func walk(_ relative: RawPath, lowerIsDirectory: Bool) throws {
        let upperNames = try upper.appending(relative).directoryNames()
        var lowerNames: [[UInt8]] = []
        if lowerIsDirectory, let lower { lowerNames = try lower.appending(relative).directoryNames() }
        var u = 0, l = 0
        while u < upperNames.count || l < lowerNames.count {
            if u == upperNames.count || (l < lowerNames.count && lowerNames[l].lexicographicallyPrecedes(upperNames[u])) {
                try changes.deleted(relative.appending(lowerNames[l]))
                l += 1
            } else if l == lowerNames.count || upperNames[u].lexicographicallyPrecedes(lowerNames[l]) {
                try added(relative.appending(upperNames[u]))
                u += 1
            } else {
                try both(relative.appending(upperNames[u]))
                u += 1
                l += 1
            }
        }
    }

    private func added(_ relative: RawPath) throws {
        let info = try upper.appending(relative).status()
        try changes.changed(relative, info)
        if (info.st_mode & S_IFMT) == S_IFDIR { try walk(relative, lowerIsDirectory: false) }
    }

    private func both(_ relative: RawPath) throws {
        guard let lower else { return try added(relative) }
        let upperPath = upper.appending(relative), lowerPath = lower.appending(relative)
        let upperInfo = try upperPath.status(), lowerInfo = try lowerPath.status()
        let upperType = upperInfo.st_mode & S_IFMT, lowerType = lowerInfo.st_mode & S_IFMT
        if upperType == S_IFSOCK && lowerType != S_IFSOCK {
            // A socket is not carried; what it replaced must not stay.
            return try changes.deleted(relative)
        }
        if Inode(upperInfo) == Inode(lowerInfo) { return }  // one file, linked into both trees
        if try FileComparison.same(lower: (lowerPath, lowerInfo), upper: (upperPath, upperInfo)) {
            try changes.unchanged(relative, upperInfo)
        } else {
            // A non-directory over a directory replaces its whole tree when applied: nothing below to delete.
            try changes.changed(relative, upperInfo)
        }
        if upperType == S_IFDIR { try walk(relative, lowerIsDirectory: lowerType == S_IFDIR) }
    }
}

/// When a path in both trees is unchanged, as continuity's sameFile decides it, with all the layer's
/// extended attributes compared (not only file capabilities) and symlink targets always compared.
enum FileComparison {
    static func same(lower: (path: RawPath, info: stat), upper: (path: RawPath, info: stat)) throws -> Bool {
        let l = lower.info, u = upper.info
        guard l.st_mode == u.st_mode, l.st_uid == u.st_uid, l.st_gid == u.st_gid, l.st_rdev == u.st_rdev else { return false }
        guard Xattrs.layerAttributes(lower.path.cString) == Xattrs.layerAttributes(upper.path.cString) else { return false }
        let type = u.st_mode & S_IFMT
        // A directory's size and times follow its entries, which are compared themselves.
        if type == S_IFDIR { return true }
        guard l.st_size == u.st_size, l.st_mtim.tv_sec == u.st_mtim.tv_sec, l.st_mtim.tv_nsec == u.st_mtim.tv_nsec
        else { return false }
        if type == S_IFLNK { return try lower.path.linkTarget() == upper.path.linkTarget() }
        // Both times whole seconds: a copy may have truncated them, so equal times prove nothing; compare the data.
        if type == S_IFREG && u.st_mtim.tv_nsec == 0 && u.st_size > 0 {
            return try sameContent(lower.path, upper.path)
        }
        return true
    }

    private static func sameContent(_ a: RawPath, _ b: RawPath) throws -> Bool {
        let first = try a.openRegularFile()
        defer { close(first) }
        let second = try b.openRegularFile()
        defer { close(second) }
        let size = 64 << 10
        var left = [UInt8](repeating: 0, count: size), right = [UInt8](repeating: 0, count: size)
        while true {
            let count = try readFull(first, &left, a)
            guard try readFull(second, &right, b) == count, left[..<count] == right[..<count] else { return false }
            if count < size { return true }
        }
    }

    /// Fills `buffer` unless the file ends first; the count read.
    private static func readFull(_ fd: Int32, _ buffer: inout [UInt8], _ path: RawPath) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress.map { $0 + filled }, $0.count - filled) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw path.failure("read") }
            if count == 0 { break }
            filled += count
        }
        return filled
    }
}
