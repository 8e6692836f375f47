import BerthCore
import Foundation

/// The overlayfs snapshotter: each snapshot is an upper directory (`fs`) plus a `work` dir when active;
/// a root filesystem is an overlay of its ancestors' `fs` dirs. Mounts as containerd's overlay returns them.
public struct OverlayDriver: SnapshotDriver {
    public let name = "overlayfs"
    public let layersAreIndependent = true
    public let root: String
    let directories: SnapshotDirectories
    /// containerd adds index=off where the kernel knows the option, so a lower dir may be reused elsewhere.
    let indexOff: Bool

    public init(root: String) throws {
        self.root = root
        directories = SnapshotDirectories(root: root)
        indexOff = FileManager.default.fileExists(atPath: "/sys/module/overlay/parameters/index")
        try directories.prepare()
    }

    public func create(id: Int64, kind: SnapshotKind, parents: [Int64]) throws {
        let base = directories.path(id)
        try directories.make(base, mode: 0o700)
        do {
            try directories.make(base + "/fs", mode: 0o755)
            // As containerd: the upper dir is the root of the merged tree, so it takes the parent's owner (a
            // snapshot remapped for a user namespace keeps its root owned by the container's root).
            if let parent = parents.first {
                var status = stat()
                guard lstat(layerPath(id: parent), &status) == 0, lchown(base + "/fs", status.st_uid, status.st_gid) == 0 else {
                    throw BerthError(.unknown, "snapshot \(id): taking the parent's owner: \(String(cString: strerror(errno)))")
                }
            }
            if kind == .active { try directories.make(base + "/work", mode: 0o711) }
        } catch {
            try? directories.remove(id)
            throw error
        }
    }

    public func layerPath(id: Int64) -> String { directories.path(id) + "/fs" }

    public func mounts(id: Int64, kind: SnapshotKind, parents: [Int64]) -> [Mount] {
        if parents.isEmpty {
            return [Mount(type: "bind", source: layerPath(id: id), options: [kind == .view ? "ro" : "rw", "rbind"])]
        }
        var options: [String] = []
        if kind == .active {
            options += ["workdir=\(directories.path(id))/work", "upperdir=\(layerPath(id: id))"]
        } else if parents.count == 1 {
            return [Mount(type: "bind", source: layerPath(id: parents[0]), options: ["ro", "rbind"])]
        }
        options.append("lowerdir=" + parents.map { layerPath(id: $0) }.joined(separator: ":"))
        if indexOff { options.append("index=off") }
        return [Mount(type: "overlay", source: "overlay", options: options)]
    }

    public func remove(id: Int64) throws { try directories.remove(id) }

    public func retire(id: Int64) throws { try directories.retire(id) }

    public func existingIDs() throws -> [Int64] { try directories.existingIDs() }
}
