/// What a snapshot is for, with containerd's numbering (snapshots.Kind).
public enum SnapshotKind: Int, Sendable, CaseIterable {
    case view = 1
    case active = 2
    case committed = 3

    /// The word containerd's filters and ctr use.
    public var name: String {
        switch self {
        case .view: "View"
        case .active: "Active"
        case .committed: "Committed"
        }
    }
}

/// One mount of a snapshot's root filesystem, as containerd's mount.Mount.
public struct Mount: Sendable, Equatable {
    public var type: String
    public var source: String
    public var target: String
    public var options: [String]

    public init(type: String, source: String, target: String = "", options: [String]) {
        self.type = type
        self.source = source
        self.target = target
        self.options = options
    }
}

/// Disk use of a snapshot's own layer (not its parents).
public struct SnapshotUsage: Sendable, Equatable {
    public var size: Int64
    public var inodes: Int64

    public init(size: Int64 = 0, inodes: Int64 = 0) {
        self.size = size
        self.inodes = inodes
    }
}
