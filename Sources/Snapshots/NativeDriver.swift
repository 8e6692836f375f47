import BerthCore
import Foundation

/// The native snapshotter, for filesystems without overlay: every snapshot is a full copy of its parent,
/// mounted with a bind mount.
public struct NativeDriver: SnapshotDriver {
    public let name = "native"
    public let layersAreIndependent = false
    public let root: String
    let directories: SnapshotDirectories

    public init(root: String) throws {
        self.root = root
        directories = SnapshotDirectories(root: root)
        try directories.prepare()
    }

    public func create(id: Int64, kind: SnapshotKind, parents: [Int64]) throws {
        let target = directories.path(id)
        guard let parent = parents.first else {
            return try directories.make(target, mode: 0o755)
        }
        // coreutils' cp -a keeps what a layer needs (owners, modes, xattrs, hard links, devices, times) and
        // reflinks where the filesystem can; it is the same copy containerd's fs.CopyDir makes.
        try Self.copyTree(from: directories.path(parent), to: target)
    }

    public func layerPath(id: Int64) -> String { directories.path(id) }

    public func mounts(id: Int64, kind: SnapshotKind, parents: [Int64]) -> [Mount] {
        [Mount(type: "bind", source: layerPath(id: id), options: [kind == .view ? "ro" : "rw", "rbind"])]
    }

    public func remove(id: Int64) throws { try directories.remove(id) }

    public func retire(id: Int64) throws { try directories.retire(id) }

    public func existingIDs() throws -> [Int64] { try directories.existingIDs() }

    static func copyTree(from source: String, to target: String) throws {
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = ["-a", "--reflink=auto", "--", source, target]
        let errors = Pipe()
        copy.standardError = errors
        try copy.run()
        copy.waitUntilExit()
        guard copy.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            try? FileManager.default.removeItem(atPath: target)
            throw BerthError(.unknown, "copying snapshot \(source) to \(target): \(message)")
        }
    }
}
