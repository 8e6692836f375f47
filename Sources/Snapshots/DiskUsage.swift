import BerthCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Size and inode count of a directory tree, counting each hard-linked inode once (containerd's fs.DiskUsage).
enum DiskUsage {
    static func measure(_ path: String) throws -> SnapshotUsage {
        var seen = Set<UInt64>()
        var usage = SnapshotUsage()
        try walk(path, seen: &seen, usage: &usage)
        return usage
    }

    private static func walk(_ path: String, seen: inout Set<UInt64>, usage: inout SnapshotUsage) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw BerthError(.unknown, "stat \(path): \(String(cString: strerror(errno)))")
        }
        if seen.insert(UInt64(info.st_ino)).inserted {
            usage.inodes += 1
            usage.size += Int64(info.st_blocks) * 512
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR, let directory = opendir(path) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            try walk(path + "/" + name, seen: &seen, usage: &usage)
        }
    }
}
