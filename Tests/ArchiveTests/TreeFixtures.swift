import CLinux
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Builds real trees for the diff and apply tests (run as root: owners, devices, trusted xattrs).
struct Tree {
    let root: String

    func path(_ relative: String) -> String { root + "/" + relative }

    func directory(_ relative: String, mode: mode_t = 0o755, owner: (uid_t, gid_t) = (0, 0)) throws {
        try FileManager.default.createDirectory(atPath: path(relative), withIntermediateDirectories: true)
        try check(chown(path(relative), owner.0, owner.1), "chown \(relative)")
        try check(chmod(path(relative), mode), "chmod \(relative)")
    }

    func file(_ relative: String, _ contents: String, mode: mode_t = 0o644, owner: (uid_t, gid_t) = (0, 0)) throws {
        try FileManager.default.createDirectory(atPath: EntryPaths.parent(path(relative)), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path(relative)))
        try check(chown(path(relative), owner.0, owner.1), "chown \(relative)")
        try check(chmod(path(relative), mode), "chmod \(relative)")
    }

    /// Rewrites the file in place (same inode: its hard links see it too).
    func overwrite(_ relative: String, _ contents: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path(relative)))
        defer { try? handle.close() }
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(contents.utf8))
    }

    func symlink(_ relative: String, to target: String) throws {
        try check(Glibc.symlink(target, path(relative)), "symlink \(relative)")
    }

    func hardLink(_ relative: String, to existing: String) throws {
        try check(link(path(existing), path(relative)), "link \(relative)")
    }

    func fifo(_ relative: String) throws {
        try check(mkfifo(path(relative), 0o640), "mkfifo \(relative)")
    }

    func device(_ relative: String, type: mode_t, major: UInt32, minor: UInt32, mode: mode_t = 0o666) throws {
        try check(mknod(path(relative), type | mode, gnu_dev_makedev(major, minor)), "mknod \(relative)")
        try check(chmod(path(relative), mode), "chmod \(relative)")
    }

    func xattr(_ relative: String, _ name: String, _ value: [UInt8]) throws {
        try check(lsetxattr(path(relative), name, value, value.count, 0), "setxattr \(relative) \(name)")
    }

    func xattr(_ relative: String, _ name: String, _ value: String) throws {
        try xattr(relative, name, Array(value.utf8))
    }

    func mtime(_ relative: String, seconds: Int, nanoseconds: Int = 0) throws {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
        try check(utimensat(AT_FDCWD, path(relative), &times, AT_SYMLINK_NOFOLLOW), "utimensat \(relative)")
    }

    func remove(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: path(relative))
    }

    /// `cp -a`: owners, modes, times, xattrs and hard links kept.
    func copy(to target: String) throws -> Tree {
        try run("/bin/cp", "-a", root, target)
        return Tree(root: target)
    }

    private func check(_ status: Int32, _ what: String) throws {
        guard status == 0 else { throw TestError("\(what): \(String(cString: strerror(errno)))") }
    }
}

enum EntryPaths {
    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}

/// Everything a layer should carry about each entry of a tree, keyed by the path's bytes (two names that are
/// canonically equivalent strings are still two files).
struct TreeSnapshot: Equatable {
    struct Entry: Equatable {
        var type: mode_t
        var mode: mode_t
        var uid: uid_t
        var gid: gid_t
        var size: Int64?
        var content: Data?
        var mtime: Int?
        var linkTarget: String?
        var rdev: UInt64?
        var xattrs: [String: [UInt8]]
        /// The other names of a shared inode in the tree.
        var hardLinks: [String]
    }

    var entries: [[UInt8]: Entry] = [:]

    init(_ root: String) throws {
        var inodes: [UInt64: [[UInt8]]] = [:]
        try walk(root: Array(root.utf8), relative: [], inodes: &inodes)
        for (_, names) in inodes where names.count > 1 {
            for name in names {
                entries[name]?.hardLinks = names.filter { $0 != name }.map { String(decoding: $0, as: UTF8.self) }.sorted()
            }
        }
    }

    /// The entries that differ, for a readable failure.
    func differences(from other: TreeSnapshot) -> [String] {
        Set(entries.keys).union(other.entries.keys).compactMap { key in
            entries[key] == other.entries[key]
                ? nil : "\(String(decoding: key, as: UTF8.self)): \(String(describing: entries[key])) vs \(String(describing: other.entries[key]))"
        }.sorted()
    }

    func entry(_ path: String) -> Entry? { entries[Array(path.utf8)] }

    private mutating func walk(root: [UInt8], relative: [UInt8], inodes: inout [UInt64: [[UInt8]]]) throws {
        let directory = relative.isEmpty ? root : root + [UInt8(ascii: "/")] + relative
        guard let handle = opendir(String(decoding: directory, as: UTF8.self)) else { throw TestError("opendir failed") }
        defer { closedir(handle) }
        var names: [[UInt8]] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name != [46] && name != [46, 46] { names.append(name) }
        }
        for name in names {
            let child = relative.isEmpty ? name : relative + [UInt8(ascii: "/")] + name
            let full = String(decoding: root + [UInt8(ascii: "/")] + child, as: UTF8.self)
            var info = stat()
            guard lstat(full, &info) == 0 else { throw TestError("lstat \(full) failed") }
            let type = info.st_mode & S_IFMT
            var entry = Entry(
                type: type, mode: info.st_mode & 0o7777, uid: info.st_uid, gid: info.st_gid, xattrs: Self.xattrs(full),
                hardLinks: [])
            switch type {
            case S_IFREG:
                entry.size = Int64(info.st_size)
                entry.content = FileManager.default.contents(atPath: full)
                entry.mtime = info.st_mtim.tv_sec
            case S_IFLNK:
                entry.linkTarget = try FileManager.default.destinationOfSymbolicLink(atPath: full)
            case S_IFCHR, S_IFBLK:
                entry.rdev = UInt64(info.st_rdev)
            default:
                break
            }
            if type != S_IFDIR && info.st_nlink > 1 { inodes[UInt64(info.st_ino), default: []].append(child) }
            entries[child] = entry
            if type == S_IFDIR { try walk(root: root, relative: child, inodes: &inodes) }
        }
    }

    /// The attributes a layer carries (overlay's own are tar entries, not attributes).
    static func xattrs(_ path: String) -> [String: [UInt8]] {
        var buffer = [CChar](repeating: 0, count: 4096)
        let size = llistxattr(path, &buffer, buffer.count)
        guard size > 0 else { return [:] }
        var result: [String: [UInt8]] = [:]
        for raw in buffer[..<size].split(separator: 0) {
            let name = String(decoding: raw.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard name.hasPrefix("user.") || name == "security.capability"
                || (name.hasPrefix("trusted.") && !name.hasPrefix("trusted.overlay."))
            else { continue }
            var value = [UInt8](repeating: 0, count: 4096)
            let count = lgetxattr(path, name, &value, value.count)
            if count >= 0 { result[name] = Array(value[..<count]) }
        }
        return result
    }
}

/// Runs a program; its standard output, or an error when it fails.
@discardableResult
func run(_ executable: String, _ arguments: String...) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw TestError("\(executable) \(arguments.joined(separator: " ")) failed") }
    return data
}

/// `sha256:` and the hex digest of what a shell pipeline prints.
func sha256(ofOutput pipeline: String) throws -> String {
    let out = try run("/bin/bash", "-o", "pipefail", "-c", "\(pipeline) | sha256sum")
    return "sha256:" + String(String(decoding: out, as: UTF8.self).prefix(64))
}
