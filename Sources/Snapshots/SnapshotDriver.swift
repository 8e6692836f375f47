/// The filesystem half of a snapshotter: directories and mounts by numeric id. Names, parents, kinds and
/// labels live in the metadata database, which allocates the ids, so one transaction settles every
/// record change and the driver only ever follows it.
public protocol SnapshotDriver: Sendable {
    /// The snapshotter's name in the API ("overlayfs", "native").
    var name: String { get }
    /// Where the driver keeps its snapshots.
    var root: String { get }

    /// Makes the directories of a new snapshot; `parents` are ids, nearest first.
    func create(id: Int64, kind: SnapshotKind, parents: [Int64]) throws
    /// The mounts that assemble the snapshot's root filesystem.
    func mounts(id: Int64, kind: SnapshotKind, parents: [Int64]) -> [Mount]
    /// The directory that holds the snapshot's own files: where a layer is applied without a mount.
    func layerPath(id: Int64) -> String
    /// Whether a snapshot's own directory holds only its layer's changes (overlay's upper dirs), so a layer
    /// can be applied before its parents are, with overlay whiteouts; false when it starts as a parent's copy.
    var layersAreIndependent: Bool { get }
    /// Removes the snapshot's directories; a missing one is not an error.
    func remove(id: Int64) throws
    /// Moves the snapshot's directories out of the way at once and removes them behind the caller's back
    /// (`SnapshotTreeRemoval`): what Snapshots/Remove does, as containerd leaves the files to its collector.
    func retire(id: Int64) throws
    /// The ids that have directories, for cleaning up after a crash.
    func existingIDs() throws -> [Int64]
}

extension SnapshotDriver {
    public func usage(id: Int64) throws -> SnapshotUsage {
        try DiskUsage.measure(layerPath(id: id))
    }
}
