import BerthClient
import BerthCore
import Foundation

/// containerd's WithRemappedSnapshot: a committed copy of an image's layers whose files belong to the user
/// namespace's range (`<chain>-<uid>-<gid>`), made once and shared by every container with that mapping.
struct RemappedSnapshot {
    let client: BerthClient
    let snapshotter: String

    /// The remapped snapshot for `chainID`, made if it is not there yet.
    func base(chainID: String, uid: UInt32, gid: UInt32) async throws -> String {
        let name = "\(chainID)-\(uid)-\(gid)"
        // Held by the lease before it is looked at: a collection (after another container with this mapping is
        // removed) could otherwise take it between the look and the Prepare that names it as parent.
        if client.lease != nil { try await client.addToLease(type: "snapshots/\(snapshotter)", id: name) }
        if (try? await client.statSnapshot(name, snapshotter: snapshotter)) != nil { return name }
        let key = name + "-remap"
        let mounts = try await client.prepareSnapshot(key, parent: chainID, snapshotter: snapshotter)
        do {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("berth-remap-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            for mount in mounts { try SystemMount.mount(mount, at: directory) }
            do {
                try Self.shiftOwners(directory, uid: uid, gid: gid)
                try SystemMount.unmount(directory)
            } catch {
                try? SystemMount.unmount(directory)
                throw error
            }
            try await client.commitSnapshot(name, key: key, snapshotter: snapshotter)
        } catch let error as BerthError where error.kind == .alreadyExists {
            // Another client made it meanwhile.
            try? await client.removeSnapshot(key, snapshotter: snapshotter)
        } catch {
            try? await client.removeSnapshot(key, snapshotter: snapshotter)
            throw error
        }
        return name
    }

    /// Adds `uid` and `gid` to the owner of every file under `root`, symlinks themselves included, never following
    /// them. chown clears set-user-ID and set-group-ID bits, so those are put back (containerd loses them).
    static func shiftOwners(_ root: String, uid: UInt32, gid: UInt32) throws {
        var status = stat()
        guard lstat(root, &status) == 0 else { throw systemError("lstat", root) }
        guard lchown(root, status.st_uid &+ uid, status.st_gid &+ gid) == 0 else { throw systemError("lchown", root) }
        let mode = status.st_mode
        if mode & S_IFMT == S_IFREG, mode & (S_ISUID | S_ISGID) != 0 {
            guard chmod(root, mode & 0o7777) == 0 else { throw systemError("chmod", root) }
        }
        guard mode & S_IFMT == S_IFDIR else { return }
        for name in try FileManager.default.contentsOfDirectory(atPath: root) {
            try shiftOwners(root + "/" + name, uid: uid, gid: gid)
        }
    }

    private static func systemError(_ call: String, _ path: String) -> BerthError {
        BerthError(.unknown, "remapping \(path): \(call): \(String(cString: strerror(errno)))")
    }
}
