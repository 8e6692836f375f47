import BerthCore
import CLibArchive
import CLinux
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The per-entry work of one layer application.
struct Extraction {
    static let opaqueMarker = ".wh..wh..opq"
    static let whiteoutPrefix = ".wh."

    let root: String
    let style: WhiteoutStyle
    let tar: OpaquePointer
    let disk: OpaquePointer
    /// Paths this layer wrote: an opaque directory keeps them (deletion style).
    var written = Set<String>()

    init(root: String, style: WhiteoutStyle, tar: OpaquePointer, disk: OpaquePointer) {
        self.root = root
        self.style = style
        self.tar = tar
        self.disk = disk
    }

    mutating func apply(_ entry: OpaquePointer) throws {
        guard let rawName = archive_entry_pathname(entry).map({ String(cString: $0) }) else {
            throw BerthError.invalidArgument("layer entry without a name")
        }
        let name = try EntryPath.normalize(rawName)
        if name.isEmpty { return }  // the layer's root directory itself
        let base = EntryPath.base(name)
        if base == Self.opaqueMarker {
            return try markOpaque(EntryPath.parent(name))
        }
        if base.hasPrefix(Self.whiteoutPrefix) {
            let parent = EntryPath.parent(name)
            let hidden = String(base.dropFirst(Self.whiteoutPrefix.count))
            return try whiteout(parent.isEmpty ? hidden : parent + "/" + hidden)
        }
        archive_entry_set_pathname(entry, root + "/" + name)
        if let link = archive_entry_hardlink(entry).map({ String(cString: $0) }) {
            let linked = try EntryPath.normalize(link)
            guard !linked.isEmpty else { throw BerthError.invalidArgument("layer entry \"\(rawName)\" is a hard link to the root") }
            archive_entry_set_hardlink(entry, root + "/" + linked)
        }
        guard archive_write_header(disk, entry) >= ARCHIVE_WARN else {
            throw BerthError.invalidArgument("layer entry \"\(rawName)\": \(LibArchiveError.message(disk))")
        }
        if archive_entry_size(entry) > 0 { try copyData(name: rawName) }
        guard archive_write_finish_entry(disk) >= ARCHIVE_WARN else {
            throw BerthError.invalidArgument("layer entry \"\(rawName)\": \(LibArchiveError.message(disk))")
        }
        written.insert(name)
    }

    private func copyData(name: String) throws {
        var block: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let status = archive_read_data_block(tar, &block, &size, &offset)
            if status == ARCHIVE_EOF { return }
            guard status >= ARCHIVE_WARN else {
                throw BerthError.invalidArgument("layer entry \"\(name)\": \(LibArchiveError.message(tar))")
            }
            guard archive_write_data_block(disk, block, size, offset) >= ARCHIVE_WARN else {
                throw BerthError.invalidArgument("layer entry \"\(name)\": \(LibArchiveError.message(disk))")
            }
        }
    }

    /// `.wh.NAME`: hide (overlay) or delete NAME.
    private func whiteout(_ relative: String) throws {
        let path = try EntryPath.resolveWithoutSymlinks(root: root, relative)
        try removeTree(path)
        guard style == .overlay else { return }
        try ensureParent(of: relative)
        guard mknod(path, S_IFCHR, 0) == 0 else {
            throw BerthError(.unknown, "whiteout \(relative): mknod: \(String(cString: strerror(errno)))")
        }
    }

    /// `.wh..wh..opq` in DIR: hide DIR's lower contents (overlay) or delete what earlier layers put there.
    private func markOpaque(_ relative: String) throws {
        let path = try EntryPath.resolveWithoutSymlinks(root: root, relative)
        switch style {
        case .overlay:
            if !FileManager.default.fileExists(atPath: path) {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
            guard setxattr(path, "trusted.overlay.opaque", "y", 1, 0) == 0 else {
                throw BerthError(.unknown, "opaque directory \(relative): setxattr: \(String(cString: strerror(errno)))")
            }
        case .remove:
            let prefix = relative.isEmpty ? "" : relative + "/"
            for child in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                let childPath = prefix + child
                let keep = written.contains(childPath) || written.contains { $0.hasPrefix(childPath + "/") }
                if !keep { try removeTree(path + "/" + child) }
            }
        }
    }

    private func ensureParent(of relative: String) throws {
        let parent = EntryPath.parent(relative)
        guard !parent.isEmpty else { return }
        let path = try EntryPath.resolveWithoutSymlinks(root: root, parent)
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
    }

    private func removeTree(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw BerthError(.unknown, "removing \(path): \(error.localizedDescription)")
        }
    }
}
