import BerthCore
import ContentStore
import Foundation
import Snapshots

/// What a collection removed.
public struct CollectionReport: Sendable {
    public var sweep: MetadataSweep
    public var filesRemoved: Int
    public var bytesFreed: Int64
    public var duration: Duration
}

/// Runs garbage collection over the metadata and the blob files, and keeps it apart from commits:
/// a commit (file renamed into the store, then its record written) holds a shared permit, a collection an
/// exclusive one, so a collection never sees a committed file whose record is not written yet.
public actor GarbageCollector {
    /// Deletions within this window are collected together.
    public static let coalescingDelay: Duration = .milliseconds(100)
    /// Scheduled collections take at most this share of the time, as with containerd's gc scheduler
    /// (`pause_threshold`): one that took 4 ms is followed by the next no sooner than 200 ms later.
    public static let pauseThreshold = 0.02
    /// The longest wait that share can impose: a deletion is collected within this time.
    public static let longestSpacing: Duration = .seconds(2)

    let metadata: MetadataStore
    let content: LocalContentStore
    let snapshotDrivers: [String: any SnapshotDriver]
    private var activeCommits = 0
    private var collecting = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var scheduled = false
    private var lastScheduled: (finished: ContinuousClock.Instant, took: Duration)?
    /// Whether blob files may lie on disk without a record: at start (a crash may have left some) and after a
    /// record was deleted outside a sweep. Otherwise a collection removes only the files of the records it
    /// swept, instead of listing the whole store (containerd keeps the same flag).
    private var unrecordedFilesPossible = true
    private var onReport: (@Sendable (Result<CollectionReport, any Error>) -> Void)?

    public init(metadata: MetadataStore, content: LocalContentStore, snapshotDrivers: [any SnapshotDriver] = []) {
        self.metadata = metadata
        self.content = content
        self.snapshotDrivers = Dictionary(snapshotDrivers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Called after every scheduled collection (the daemon logs it).
    public func setReportHandler(_ handler: @escaping @Sendable (Result<CollectionReport, any Error>) -> Void) {
        onReport = handler
    }

    /// Runs `body` while no collection runs.
    public nonisolated func withCommitPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await holding({ await self.acquireCommit() }, { await self.releaseCommit() }, body)
    }

    /// Runs `body` while no commit and no collection runs: for work that must see records and files agree
    /// (crash cleanup, the consistency check).
    public nonisolated func exclusively<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await holding({ await self.acquireCollection() }, { await self.releaseCollection() }, body)
    }

    private nonisolated func holding<T: Sendable>(
        _ acquire: @Sendable () async -> Void, _ release: @Sendable () async -> Void, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }

    /// Collects now and returns what was removed (`sync` deletions, `berth content prune`). Every collection,
    /// requested or scheduled, goes to the report handler.
    public func collect() async throws -> CollectionReport {
        unrecordedFilesPossible = true
        return try await collectAndReport()
    }

    private func collectAndReport() async throws -> CollectionReport {
        do {
            let report = try await sweepAndRemove()
            onReport?(.success(report))
            return report
        } catch {
            onReport?(.failure(error))
            throw error
        }
    }

    private func sweepAndRemove() async throws -> CollectionReport {
        await acquireCollection()
        defer { releaseCollection() }
        let clock = ContinuousClock()
        let start = clock.now
        let sweep = try await metadata.sweepUnreferenced()
        CrashPoint.reach("gc.after-sweep")
        do {
            for snapshot in sweep.removedSnapshots {
                try snapshotDrivers[snapshot.snapshotter]?.remove(id: snapshot.id)
            }
            let (removed, freed) = try await removeUnrecordedFiles(released: sweep.unreferencedDigests)
            return CollectionReport(sweep: sweep, filesRemoved: removed, bytesFreed: freed, duration: clock.now - start)
        } catch {
            // The swept records are gone but maybe not all their files: the next collection looks at every file.
            unrecordedFilesPossible = true
            throw error
        }
    }

    /// Removes the files no namespace records: those the sweep released, and, when `unrecordedFilesPossible`,
    /// any others the store holds. Runs under the collection permit, so no commit can record one meanwhile.
    private func removeUnrecordedFiles(released: Set<Digest>) async throws -> (count: Int, bytes: Int64) {
        let candidates: [ContentInfo]
        if unrecordedFilesPossible {
            unrecordedFilesPossible = false
            let recorded = try await metadata.allRecordedDigests()
            candidates = try content.allBlobs().filter { !recorded.contains($0.digest.description) }
        } else {
            candidates = released.compactMap { try? content.info($0) }
        }
        var removed = 0
        var freed: Int64 = 0
        for info in candidates {
            do {
                try content.delete(info.digest)
                CrashPoint.reach("gc.removing-blobs")
                removed += 1
                freed += info.size
            } catch let error as BerthError where error.kind == .notFound {
                continue
            }
        }
        return (removed, freed)
    }

    /// Asks for a collection soon; requests that arrive while one is pending share it. `releasedFile`: a blob
    /// record was deleted outside a sweep, so its file must be looked for.
    public func schedule(releasedFile: Bool = false) {
        if releasedFile { unrecordedFilesPossible = true }
        guard !scheduled else { return }
        scheduled = true
        let delay = delayBeforeScheduledCollection()
        Task {
            try? await Task.sleep(for: delay)
            await self.runScheduled()
        }
    }

    private func delayBeforeScheduledCollection() -> Duration {
        guard let last = lastScheduled else { return Self.coalescingDelay }
        return max(Self.coalescingDelay, last.finished + Self.spacing(after: last.took) - .now)
    }

    /// The least time from the end of a scheduled collection that took `took` to the start of the next.
    static func spacing(after took: Duration) -> Duration {
        min(took * (1 / pauseThreshold), longestSpacing)
    }

    private func runScheduled() async {
        scheduled = false
        let took = (try? await collectAndReport())?.duration ?? .zero
        lastScheduled = (ContinuousClock.now, took)
    }

    private func acquireCommit() async {
        while collecting { await withCheckedContinuation { waiters.append($0) } }
        activeCommits += 1
    }

    private func releaseCommit() {
        activeCommits -= 1
        if activeCommits == 0 { wakeAll() }
    }

    private func acquireCollection() async {
        while collecting || activeCommits > 0 { await withCheckedContinuation { waiters.append($0) } }
        collecting = true
    }

    private func releaseCollection() {
        collecting = false
        wakeAll()
    }

    private func wakeAll() {
        let waiting = waiters
        waiters.removeAll()
        for waiter in waiting { waiter.resume() }
    }
}
