import BerthCore
import Foundation

/// `<root>/snapshots/<id>`: the layout both drivers share, as containerd's.
struct SnapshotDirectories: Sendable {
    let root: String

    var snapshots: String { root + "/snapshots" }

    func path(_ id: Int64) -> String { "\(snapshots)/\(id)" }

    func prepare() throws {
        try FileManager.default.createDirectory(
            atPath: snapshots, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    func make(_ path: String, mode: Int) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: mode])
        } catch CocoaError.fileWriteFileExists {
            throw BerthError.alreadyExists("snapshot directory \(path)")
        }
    }

    func remove(_ id: Int64) throws {
        guard let doomed = try rename(id) else { return }
        try FileManager.default.removeItem(atPath: doomed)
    }

    /// As `remove`, but the tree goes later: a container's upper layer may hold any number of files, and
    /// `run --rm` waits for Snapshots/Remove.
    func retire(_ id: Int64) throws {
        guard let doomed = try rename(id) else { return }
        SnapshotTreeRemoval.enqueue(doomed)
    }

    /// Renamed first, so a crash half way through leaves no directory that looks like a live snapshot, only an
    /// `rm-` one, which `existingIDs` finishes.
    private func rename(_ id: Int64) throws -> String? {
        let target = path(id)
        guard FileManager.default.fileExists(atPath: target) else { return nil }
        let doomed = "\(snapshots)/rm-\(id)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.moveItem(atPath: target, toPath: doomed)
        return doomed
    }

    func existingIDs() throws -> [Int64] {
        SnapshotTreeRemoval.finish()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: snapshots)) ?? []
        // Leftovers of interrupted removals are finished here.
        for name in names where name.hasPrefix("rm-") {
            try? FileManager.default.removeItem(atPath: "\(snapshots)/\(name)")
        }
        return names.compactMap { Int64($0) }
    }
}
