import BerthCore
import Foundation
import Snapshots

/// A snapshot as its namespace sees it; `id` names its directories in the snapshotter.
public struct SnapshotRecord: Sendable, Equatable {
    public var id: Int64
    public var snapshotter: String
    public var key: String
    public var parent: String?
    public var kind: SnapshotKind
    public var labels: [String: String]
    public var createdAt: Date
    public var updatedAt: Date
    /// Measured at commit; nil for snapshots that are still changing.
    public var usage: SnapshotUsage?
}

extension SnapshotRecord: FilterAdaptor {
    /// containerd's snapshot adaptor: kind, name, parent, labels.KEY.
    public func field(_ fieldpath: [String]) -> String? {
        switch fieldpath.first {
        case "kind": return kind.name.lowercased()
        case "name": return key
        case "parent": return parent
        case "labels": return labels.lookup(fieldpath.dropFirst())
        default: return nil
        }
    }
}

/// A snapshot with the ids of its ancestors, nearest first: what a driver needs for mounts.
public struct SnapshotChain: Sendable {
    public var snapshot: SnapshotRecord
    public var parentIDs: [Int64]
}
