import Foundation

/// Every path of a directory tree with the attributes an unpacked image must reproduce, as one small python3
/// walker sees them. Both trees of a comparison go through the same walker, so it is an independent witness:
/// no Berth code is involved in reading either side.
///
/// Per path (relative to the root, "." is the root itself): `type`, `mode` (permission bits with setuid, setgid and
/// sticky, octal), `uid`, `gid`, `xattrs` (only `user.*` and `security.*`, values in hex; overlayfs's own
/// `trusted.overlay.*` never counts), and for everything but directories `size` and `mtime` (nanoseconds); plus
/// `sha256` of a regular file's content, `target` of a symlink, `rdev` (major:minor) of a device, and `links`: the
/// paths that share the entry's inode, for any non-directory with more than one name in the tree. Directory sizes
/// and mtimes, atimes and ctimes are left out on purpose: they legitimately differ between two unpackers.
struct TreeSnapshot: Sendable {
    /// Attribute name to value, per relative path.
    let entries: [String: [String: String]]

    static let python = URL(fileURLWithPath: "/usr/bin/python3")

    /// Walks `root` without following symlinks (`root` itself may be a mount point).
    static func walk(_ root: String) throws -> TreeSnapshot {
        let result = try Command.run(python, ["-c", walker, root], timeout: 60)
        guard result.status == 0 else { throw TestFailure("walking \(root) failed:\n\(result)") }
        var entries: [String: [String: String]] = [:]
        for line in result.stdout.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                let path = object["path"]
            else { throw TestFailure("walker printed an unexpected line for \(root): \(line)") }
            entries[path] = object.filter { $0.key != "path" }
        }
        return TreeSnapshot(entries: entries)
    }

    /// One line per difference, naming the path, the attribute and both values; empty when the trees are equal.
    func differences(from reference: TreeSnapshot, referenceName: String, name: String) -> [String] {
        var lines: [String] = []
        for path in Set(reference.entries.keys).union(entries.keys).sorted() {
            switch (reference.entries[path], entries[path]) {
            case (let expected?, nil):
                lines.append("\(path): missing in \(name) (\(referenceName) has \(Self.describe(expected)))")
            case (nil, let actual?):
                lines.append("\(path): extra in \(name) (\(Self.describe(actual))), absent in \(referenceName)")
            case (let expected?, let actual?):
                for attribute in Set(expected.keys).union(actual.keys).sorted()
                where expected[attribute] != actual[attribute] {
                    lines.append(
                        "\(path): \(attribute): \(referenceName) \(Self.show(expected[attribute])), "
                            + "\(name) \(Self.show(actual[attribute]))")
                }
            case (nil, nil):
                break
            }
        }
        return lines
    }

    private static func show(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "(none)" }
        return value
    }

    private static func describe(_ attributes: [String: String]) -> String {
        attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// Prints one JSON object of strings per path, sorted by path.
    static let walker = #"""
        import hashlib, json, os, stat, sys
        root = sys.argv[1]
        types = {stat.S_IFDIR: 'dir', stat.S_IFREG: 'file', stat.S_IFLNK: 'symlink', stat.S_IFCHR: 'char',
                 stat.S_IFBLK: 'block', stat.S_IFIFO: 'fifo', stat.S_IFSOCK: 'socket'}
        entries, inodes = {}, {}
        def visit(rel):
            path = root if rel == '.' else os.path.join(root, rel)
            st = os.lstat(path)
            kind = stat.S_IFMT(st.st_mode)
            e = {'path': rel, 'type': types[kind], 'mode': '%04o' % stat.S_IMODE(st.st_mode),
                 'uid': str(st.st_uid), 'gid': str(st.st_gid)}
            if kind != stat.S_IFDIR:
                e['size'] = str(st.st_size)
                e['mtime'] = str(st.st_mtime_ns)
                inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
            if kind == stat.S_IFREG:
                digest = hashlib.sha256()
                with open(path, 'rb') as f:
                    for chunk in iter(lambda: f.read(1 << 20), b''):
                        digest.update(chunk)
                e['sha256'] = digest.hexdigest()
            if kind == stat.S_IFLNK:
                e['target'] = os.readlink(path)
            if kind in (stat.S_IFCHR, stat.S_IFBLK):
                e['rdev'] = '%d:%d' % (os.major(st.st_rdev), os.minor(st.st_rdev))
            names = sorted(n for n in os.listxattr(path, follow_symlinks=False)
                           if n.startswith(('user.', 'security.')))
            e['xattrs'] = ' '.join('%s=%s' % (n, os.getxattr(path, n, follow_symlinks=False).hex()) for n in names)
            entries[rel] = e
            if kind == stat.S_IFDIR:
                for name in os.listdir(path):
                    visit(name if rel == '.' else rel + '/' + name)
        visit('.')
        for group in inodes.values():
            if len(group) > 1:
                for rel in group:
                    entries[rel]['links'] = ' '.join(sorted(group))
        for rel in sorted(entries):
            print(json.dumps(entries[rel], sort_keys=True, ensure_ascii=False))
        """#
}
