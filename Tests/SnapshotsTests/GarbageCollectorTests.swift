import BerthCore
import ContentStore
import Foundation
import Synchronization
import Testing

@testable import Metadata

/// Scheduled collections remove the files of the records they sweep, and list the whole store only when a
/// file may have lost its record some other way; they are spaced by the time they take.
@Suite struct GarbageCollectorTests {
    let root: String
    let metadata: MetadataStore
    let content: LocalContentStore
    let collector: GarbageCollector
    let blobs: NamespacedContent
    let collections = CollectionCount()

    init() async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-gc-\(UUID())").path
        metadata = try MetadataStore(root: root)
        content = try LocalContentStore(root: root + "/content")
        collector = GarbageCollector(metadata: metadata, content: content)
        blobs = NamespacedContent(metadata: metadata, store: content, collector: collector)
        await collector.setReportHandler { [collections] _ in collections.count.withLock { $0 += 1 } }
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: root) }

    /// Commits `text` in namespace "a"; `root` labels it as a collection root, so sweeps keep it.
    func write(_ text: String, root: Bool = false) async throws -> Digest {
        let writer = try await blobs.writer(namespace: "a", ref: "r-\(text)", total: 0, expected: nil, lease: nil)
        try writer.write(Array(text.utf8))
        let labels = root ? [GCLabels.root: "2026-12-03T00:00:00Z"] : [:]
        return try await blobs.commit(writer, namespace: "a", size: 0, expected: nil, labels: labels, lease: nil)
    }

    /// A file whose record went away without the collector hearing of it, as a crash can leave.
    func orphan(_ text: String) async throws -> Digest {
        let digest = try await write(text, root: true)
        try await metadata.deleteBlob(namespace: "a", digest: digest)
        return digest
    }

    func hasFile(_ digest: Digest) -> Bool { FileManager.default.fileExists(atPath: content.blobPath(digest)) }

    /// Schedules a collection and waits for it to finish.
    func scheduledCollection(releasedFile: Bool = false) async throws {
        let before = collections.count.withLock { $0 }
        await collector.schedule(releasedFile: releasedFile)
        let deadline = ContinuousClock.now + .seconds(30)
        while collections.count.withLock({ $0 }) == before {
            guard ContinuousClock.now < deadline else { throw BerthError(.unknown, "no collection within 30 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func scheduledCollectionsListTheStoreOnlyWhenAFileMayHaveLostItsRecord() async throws {
        defer { cleanUp() }
        // The first collection after start looks at every file: a crash may have left some.
        let kept = try await write("kept", root: true)
        let unreferenced = try await write("unreferenced")
        let leftover = try await orphan("leftover")
        try await scheduledCollection()
        #expect(hasFile(kept))
        #expect(!hasFile(unreferenced))
        #expect(!hasFile(leftover))

        // Later ones remove what their sweep released, and leave the rest of the store unlisted.
        let released = try await write("released")
        let unseen = try await orphan("unseen")
        try await scheduledCollection()
        #expect(!hasFile(released))
        #expect(hasFile(unseen))

        // A record deleted through the content service has its file looked for, and the store listed again.
        try await blobs.delete(namespace: "a", digest: kept)
        try await scheduledCollection(releasedFile: true)
        #expect(!hasFile(kept))
        #expect(!hasFile(unseen))

        // A requested collection (prune, a sync delete) always lists the store.
        let another = try await orphan("another")
        let report = try await collector.collect()
        #expect(report.filesRemoved == 1)
        #expect(!hasFile(another))
    }

    @Test func collectionsAreSpacedByTheTimeTheyTake() {
        #expect(GarbageCollector.spacing(after: .milliseconds(4)) == .milliseconds(200))
        #expect(GarbageCollector.spacing(after: .zero) == .zero)
        #expect(GarbageCollector.spacing(after: .seconds(1)) == GarbageCollector.longestSpacing)
    }
}

/// Collections reported so far (a class: the suite struct must stay copyable).
final class CollectionCount: Sendable {
    let count = Mutex(0)
}
