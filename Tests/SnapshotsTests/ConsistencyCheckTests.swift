import BerthCore
import ContentStore
import Foundation
import Metadata
import Snapshots
import Testing

/// The consistency check finds each kind of disagreement between records and files, and a crash's leftovers
/// are exactly what start-up cleanup settles.
@Suite struct ConsistencyCheckTests {
    let root: String
    let metadata: MetadataStore
    let content: LocalContentStore
    let snapshots: NamespacedSnapshots
    let blobs: NamespacedContent
    let check: ConsistencyCheck

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-check-\(UUID())").path
        metadata = try MetadataStore(root: root)
        let drivers: [any SnapshotDriver] = [try OverlayDriver(root: root + "/overlayfs")]
        content = try LocalContentStore(root: root + "/content")
        let collector = GarbageCollector(metadata: metadata, content: content, snapshotDrivers: drivers)
        snapshots = NamespacedSnapshots(metadata: metadata, drivers: drivers, collector: collector)
        blobs = NamespacedContent(metadata: metadata, store: content, collector: collector)
        check = ConsistencyCheck(metadata: metadata, content: content, drivers: drivers, collector: collector)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: root) }

    func write(_ text: String, namespace: String = "a") async throws -> Digest {
        let writer = try await blobs.writer(namespace: namespace, ref: "r-\(text)", total: 0, expected: nil, lease: nil)
        try writer.write(Array(text.utf8))
        return try await blobs.commit(writer, namespace: namespace, size: 0, expected: nil, labels: [:], lease: nil)
    }

    @Test func aHealthyStoreHasNoFindings() async throws {
        defer { cleanUp() }
        _ = try await write("one")
        _ = try await snapshots.create(namespace: "a", snapshotter: "overlayfs", key: "k", parent: nil, kind: .active, labels: [:], lease: nil)
        let report = try await check.run(verifyContent: true)
        #expect(report.findings.isEmpty)
        #expect(report.blobRecords == 1 && report.blobFiles == 1 && report.blobsVerified == 1 && report.snapshots == 1)
    }

    @Test func findsEachKindOfDisagreement() async throws {
        defer { cleanUp() }
        let missing = try await write("missing")
        let damaged = try await write("damaged")
        let orphan = try await write("orphan", namespace: "b")
        try FileManager.default.removeItem(atPath: content.blobPath(missing))
        let damagedPath = content.blobPath(damaged)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: damagedPath)
        try "DAMAGED, LONGER".write(toFile: damagedPath, atomically: false, encoding: .utf8)
        try await metadata.deleteBlob(namespace: "b", digest: orphan)
        let (active, _) = try await snapshots.create(
            namespace: "a", snapshotter: "overlayfs", key: "gone", parent: nil, kind: .active, labels: [:], lease: nil)
        try FileManager.default.removeItem(atPath: root + "/overlayfs/snapshots/\(active.id)")
        try FileManager.default.createDirectory(atPath: root + "/overlayfs/snapshots/777/fs", withIntermediateDirectories: true)
        try await metadata.createImage(namespace: "a", ImageRecord(
            name: "dangling", target: Descriptor(mediaType: "application/vnd.oci.image.index.v1+json",
                                                  digest: try Digest(parsing: "sha256:" + String(repeating: "2", count: 64)), size: 1)))

        let report = try await check.run(verifyContent: true)
        let kinds = Set(report.findings.map { "\($0.severity.rawValue) \($0.kind) \($0.subject)" })
        #expect(kinds == [
            "error blob-missing \(missing)", "error blob-size \(damaged)", "error blob-digest \(damaged)",
            "error blob-orphan \(orphan)", "error snapshot-missing overlayfs/gone", "error snapshot-orphan overlayfs/777",
            "warning image-target-missing dangling",
        ])
    }

    /// What a crash between a snapshot's record and its directories leaves, start-up cleanup removes.
    @Test func cleanupSettlesRecordsWithoutDirectoriesAndDirectoriesWithoutRecords() async throws {
        defer { cleanUp() }
        let (active, _) = try await snapshots.create(
            namespace: "a", snapshotter: "overlayfs", key: "half", parent: nil, kind: .active, labels: [:], lease: nil)
        try FileManager.default.removeItem(atPath: root + "/overlayfs/snapshots/\(active.id)")
        try FileManager.default.createDirectory(atPath: root + "/overlayfs/snapshots/555/fs", withIntermediateDirectories: true)
        #expect(try await check.run().errors.count == 2)
        let removed = try await snapshots.cleanup(snapshotter: "overlayfs")
        #expect(removed.directories == 1 && removed.records == 1)
        #expect(try await check.run().findings.isEmpty)
    }
}
