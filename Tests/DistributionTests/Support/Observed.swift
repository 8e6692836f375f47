import Synchronization

/// What an observer saw, by layer: [descriptor digest, digest of the bytes streamed].
final class Observed: Sendable {
    private let seen = Mutex<[[String]]>([])
    func add(_ digest: String, _ actual: String) { seen.withLock { $0.append([digest, actual]) } }
    var all: [[String]] { seen.withLock { $0 } }
}
