import Synchronization
import OCI

/// The shared state of one pull: where progress goes and what has been gathered.
final class PullSession: Sendable {
    let reference: Reference
    let progress: AsyncStream<TransferProgress>.Continuation?
    /// `containerd.io/distribution.source.<host>` and the repository it gets.
    let sourceKey: String

    private struct Totals {
        var bytesFetched: Int64 = 0
        var observed: Set<String> = []
    }

    private let totals = Mutex(Totals())

    init(reference: Reference, progress: AsyncStream<TransferProgress>.Continuation?) {
        self.reference = reference
        self.progress = progress
        self.sourceKey = ContentLabels.distributionSourceKey(registry: reference.domain)
    }

    func report(_ descriptor: OCIDescriptor, _ status: TransferProgress.Status) {
        progress?.yield(TransferProgress(ref: ContentLabels.refKey(descriptor), descriptor: descriptor, status: status))
    }

    func addFetched(_ count: Int) { totals.withLock { $0.bytesFetched += Int64(count) } }
    func addObserved(_ digest: String) { totals.withLock { _ = $0.observed.insert(digest) } }

    var bytesFetched: Int64 { totals.withLock { $0.bytesFetched } }
    var observed: Set<String> { totals.withLock { $0.observed } }
}
