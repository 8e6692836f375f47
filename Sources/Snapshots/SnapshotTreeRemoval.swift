import Foundation

/// The trees of removed snapshots, deleted on a thread of their own, one at a time: removal is disk-bound
/// and must neither hold up an event loop nor make a Snapshots/Remove wait.
public enum SnapshotTreeRemoval {
    private static let queue = DispatchQueue(label: "berth.snapshots.removal", qos: .utility)

    static func enqueue(_ path: String) {
        queue.async { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Returns once every tree enqueued so far is gone.
    public static func finish() {
        queue.sync {}
    }
}
