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
    /// Where the tar's bytes come from: its error (a read failure, the expansion limit) is the real cause
    /// when libarchive reports a failed read.
    let input: CallbackSource
    /// The layers below an overlay upper dir, nearest first: a directory the layer writes into without
    /// naming it is created in the upper dir with the attributes it has below, as overlay's copy-up would.
    let lowers: [String]
    /// Paths this layer wrote: an opaque directory keeps them (deletion style).
    var written = Set<String>()
    /// Directories known to exist in the target (checked or created), so parents are checked once.
    var knownDirectories = Set<String>()
    /// Directories created because entries needed them, not named by any entry (so far), parents first.
    private(set) var implicitDirectories: [String] = []
    private var implicitSet = Set<String>()

    init(root: String, style: WhiteoutStyle, lowers: [String], tar: OpaquePointer, disk: OpaquePointer, input: CallbackSource) {
        self.root = root
        self.style = style
        self.lowers = lowers
        self.tar = tar
        self.disk = disk
        self.input = input
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
            // ".wh." alone would name the directory itself, ".wh..." its parent: never a thing to delete.
            guard !hidden.isEmpty, hidden != ".", hidden != ".." else {
                throw BerthError.invalidArgument("layer entry \"\(rawName)\" is a whiteout without a name")
            }
            return try whiteout(parent.isEmpty ? hidden : parent + "/" + hidden)
        }
        try ensureParents(of: name)
        try clearWhatTheEntryReplaces(name, type: archive_entry_filetype(entry))
        if implicitSet.remove(name) != nil {
            implicitDirectories.removeAll { $0 == name }  // named after all, the entry sets its attributes
        }
        // Relative to the working directory, which is the root (`ThreadWorkingDirectory`).
        archive_entry_set_pathname(entry, name)
        if let link = archive_entry_hardlink(entry).map({ String(cString: $0) }) {
            let linked = try EntryPath.normalize(link)
            guard !linked.isEmpty else { throw BerthError.invalidArgument("layer entry \"\(rawName)\" is a hard link to the root") }
            archive_entry_set_hardlink(entry, linked)
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
                throw input.error ?? BerthError.invalidArgument("layer entry \"\(name)\": \(LibArchiveError.message(tar))")
            }
            guard archive_write_data_block(disk, block, size, offset) >= ARCHIVE_WARN else {
                throw BerthError.invalidArgument("layer entry \"\(name)\": \(LibArchiveError.message(disk))")
            }
        }
    }

    /// `.wh.NAME`: hide (overlay) or delete NAME. Under a symlink or a non-directory there is nothing it
    /// could hide, and following the link could reach outside the root: such a whiteout is a no-op (as umoci).
    private mutating func whiteout(_ relative: String) throws {
        guard try parentIsPlainDirectory(relative) else { return }
        let path = try EntryPath.resolveWithoutSymlinks(root: root, relative)
        try removeTree(relative)
        guard style == .overlay else { return }
        try ensureParents(of: relative)
        guard mknod(path, S_IFCHR, 0) == 0 else {
            throw BerthError(.unknown, "whiteout \(relative): mknod: \(String(cString: strerror(errno)))")
        }
    }

    /// `.wh..wh..opq` in DIR: hide DIR's lower contents (overlay) or delete what earlier layers put there.
    private mutating func markOpaque(_ relative: String) throws {
        guard try parentIsPlainDirectory(relative + "/x") else { return }
        let path = try EntryPath.resolveWithoutSymlinks(root: root, relative)
        switch style {
        case .overlay:
            try ensureParents(of: relative + "/x")
            guard setxattr(path, "trusted.overlay.opaque", "y", 1, 0) == 0 else {
                throw BerthError(.unknown, "opaque directory \(relative): setxattr: \(String(cString: strerror(errno)))")
            }
        case .remove:
            let prefix = relative.isEmpty ? "" : relative + "/"
            for child in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                let childPath = prefix + child
                let keep = written.contains(childPath) || written.contains { $0.hasPrefix(childPath + "/") }
                if !keep { try removeTree(childPath) }
            }
        }
    }

    /// Makes the missing directories above `relative` in the target. In an overlay upper dir each one takes the
    /// mode, owner and extended attributes the directory has in the nearest lower layer, so that it does not
    /// hide them; elsewhere (or with no lower copy) it is created 0755 root:root as tar would.
    private mutating func ensureParents(of relative: String) throws {
        var path = ""
        for component in EntryPath.parent(relative).split(separator: "/") {
            path = path.isEmpty ? String(component) : path + "/" + component
            if knownDirectories.contains(path) { continue }
            let target = root + "/" + path
            var info = stat()
            if lstat(target, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw BerthError.invalidArgument("layer entry \"\(relative)\" goes through \(path), which is not a directory")
                }
            } else {
                try makeDirectory(path)
            }
            knownDirectories.insert(path)
        }
    }

    private mutating func makeDirectory(_ path: String) throws {
        let target = root + "/" + path
        let lower = LowerDirectories.nearest(path, in: lowers)
        guard mkdir(target, lower.map { $0.info.st_mode & 0o7777 } ?? 0o755) == 0 else {
            throw BerthError(.unknown, "creating \(path): \(String(cString: strerror(errno)))")
        }
        if let lower { try LowerDirectories.copyAttributes(from: lower, to: target, name: path) }
        implicitDirectories.append(path)
        implicitSet.insert(path)
    }

    /// Whether every existing component above `relative` is a real directory (not a symlink or a file).
    private func parentIsPlainDirectory(_ relative: String) throws -> Bool {
        var path = root
        for component in EntryPath.parent(relative).split(separator: "/") {
            path += "/" + component
            var info = stat()
            guard lstat(path, &info) == 0 else { return true }  // missing: created plain later
            if (info.st_mode & S_IFMT) != S_IFDIR { return false }
        }
        return true
    }

    /// A non-directory replaces whatever was at its path, a directory tree included (tar would refuse a
    /// non-empty one); a directory that is sent again loses the extended attributes it no longer carries.
    private mutating func clearWhatTheEntryReplaces(_ relative: String, type: mode_t) throws {
        let path = root + "/" + relative
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        let existingIsDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        // libarchive's AE_IFDIR is the POSIX S_IFDIR bit pattern.
        let entryIsDirectory = (type & S_IFMT) == S_IFDIR
        if !entryIsDirectory && existingIsDirectory {
            try removeTree(relative)
        } else if entryIsDirectory && existingIsDirectory {
            Xattrs.removeUserAndSecurity(path)
        }
    }

    /// Removes `relative` (below the root) and whatever is under it, and forgets the directories it held so
    /// that a later entry creates them again.
    private mutating func removeTree(_ relative: String) throws {
        let path = root + "/" + relative
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw BerthError(.unknown, "removing \(path): \(error.localizedDescription)")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return }
        let isGone = { (directory: String) in directory == relative || directory.hasPrefix(relative + "/") }
        knownDirectories = knownDirectories.filter { !isGone($0) }
        if implicitDirectories.contains(where: isGone) {
            implicitDirectories.removeAll(where: isGone)
            implicitSet = Set(implicitDirectories)
        }
    }
}
