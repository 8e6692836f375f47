/// Overlay mount options longer than a page cannot be passed to mount(2). As containerd's mount package does,
/// a long `lowerdir=` list is rewritten relative to the layers' common parent directory, and the mount is made
/// from inside that directory (overlayfs resolves relative lower dirs against the caller's working directory).
public enum OverlayLowerDirs {
    /// Options this long (or longer) are compacted: a page less containerd's margin.
    public static let compactionThreshold = 4096 - 512

    /// The options to mount with, and the directory to mount from (nil: as they are, from anywhere).
    public static func compacted(_ options: [String]) -> (options: [String], directory: String?) {
        guard options.joined(separator: ",").utf8.count >= compactionThreshold,
              let index = options.firstIndex(where: { $0.hasPrefix("lowerdir=") })
        else { return (options, nil) }
        let lowers = options[index].dropFirst("lowerdir=".count).split(separator: ":").map(String.init)
        guard lowers.count > 1, let common = commonParent(lowers) else { return (options, nil) }
        var rewritten = options
        rewritten.remove(at: index)
        rewritten.append("lowerdir=" + lowers.map { String($0.dropFirst(common.count)) }.joined(separator: ":"))
        return (rewritten, common)
    }

    /// The directory part of the paths' longest common prefix, as containerd takes it (the prefix of
    /// `snapshots/12/fs` and `snapshots/13/fs` ends inside a snapshot id), with its slash; nil for "/".
    static func commonParent(_ paths: [String]) -> String? {
        guard var prefix = paths.first else { return nil }
        for path in paths.dropFirst() {
            while !path.hasPrefix(prefix) { prefix.removeLast() }
        }
        guard let slash = prefix.lastIndex(of: "/") else { return nil }
        let directory = String(prefix[..<slash])
        return directory.isEmpty ? nil : directory + "/"
    }
}
