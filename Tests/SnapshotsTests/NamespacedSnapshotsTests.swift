import BerthCore
import ContentStore
import Foundation
import Metadata
import Snapshots
import Testing

/// Records and directories together, on both drivers (no mounts needed).
@Suite struct NamespacedSnapshotsTests {
    let root: String
    let snapshots: NamespacedSnapshots

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-snap-\(UUID())").path
        let metadata = try MetadataStore(root: root)
        let drivers: [any SnapshotDriver] = [
            try OverlayDriver(root: root + "/overlayfs"), try NativeDriver(root: root + "/native"),
        ]
        let content = try LocalContentStore(root: root + "/content")
        let collector = GarbageCollector(metadata: metadata, content: content, snapshotDrivers: drivers)
        snapshots = NamespacedSnapshots(metadata: metadata, drivers: drivers, collector: collector)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: root) }

    @Test func overlayMountsFollowContainerdsShapes() async throws {
        defer { cleanUp() }
        let (base, baseMounts) = try await snapshots.create(
            namespace: "a", snapshotter: "overlayfs", key: "base-active", parent: nil, kind: .active, labels: [:], lease: nil)
        let basePath = root + "/overlayfs/snapshots/\(base.id)/fs"
        #expect(baseMounts == [Mount(type: "bind", source: basePath, options: ["rw", "rbind"])])
        try "hello".write(toFile: basePath + "/file", atomically: true, encoding: .utf8)
        let committed = try await snapshots.commit(
            namespace: "a", snapshotter: "overlayfs", name: "base", key: "base-active", labels: ["k": "v"], lease: nil)
        #expect(committed.kind == .committed)
        #expect(committed.usage?.inodes == 2)

        // One parent, read-only: a bind mount of the parent's layer.
        let (_, viewMounts) = try await snapshots.create(
            namespace: "a", snapshotter: "overlayfs", key: "view", parent: "base", kind: .view, labels: [:], lease: nil)
        #expect(viewMounts == [Mount(type: "bind", source: basePath, options: ["ro", "rbind"])])

        // Active on a parent: an overlay with upper, work and lower dirs.
        let (top, topMounts) = try await snapshots.create(
            namespace: "a", snapshotter: "overlayfs", key: "top", parent: "base", kind: .active, labels: [:], lease: nil)
        let mount = try #require(topMounts.first)
        #expect(mount.type == "overlay")
        #expect(mount.options.contains("upperdir=\(root)/overlayfs/snapshots/\(top.id)/fs"))
        #expect(mount.options.contains("workdir=\(root)/overlayfs/snapshots/\(top.id)/work"))
        #expect(mount.options.contains("lowerdir=\(basePath)"))
        #expect(try await snapshots.mounts(namespace: "a", snapshotter: "overlayfs", key: "top") == topMounts)
    }

    @Test func containerdsRulesAndMessages() async throws {
        defer { cleanUp() }
        _ = try await snapshots.create(namespace: "a", snapshotter: "native", key: "k", parent: nil, kind: .active, labels: [:], lease: nil)
        await #expect(throws: BerthError.alreadyExists("snapshot \"k\"")) {
            _ = try await snapshots.create(namespace: "a", snapshotter: "native", key: "k", parent: nil, kind: .active, labels: [:], lease: nil)
        }
        await #expect(throws: BerthError.notFound("parent snapshot missing does not exist")) {
            _ = try await snapshots.create(namespace: "a", snapshotter: "native", key: "c", parent: "missing", kind: .active, labels: [:], lease: nil)
        }
        await #expect(throws: BerthError.invalidArgument("parent \"k\" is not committed snapshot")) {
            _ = try await snapshots.create(namespace: "a", snapshotter: "native", key: "c", parent: "k", kind: .active, labels: [:], lease: nil)
        }
        await #expect(throws: BerthError.invalidArgument("snapshotter not loaded: zfs")) {
            _ = try await snapshots.stat(namespace: "a", snapshotter: "zfs", key: "k")
        }
        _ = try await snapshots.commit(namespace: "a", snapshotter: "native", name: "layer", key: "k", labels: [:], lease: nil)
        await #expect(throws: BerthError.failedPrecondition("requested snapshot layer not active or view")) {
            _ = try await snapshots.mounts(namespace: "a", snapshotter: "native", key: "layer")
        }
        _ = try await snapshots.create(namespace: "a", snapshotter: "native", key: "child", parent: "layer", kind: .active, labels: [:], lease: nil)
        await #expect(throws: BerthError.failedPrecondition("cannot remove snapshot with child")) {
            try await snapshots.remove(namespace: "a", snapshotter: "native", key: "layer")
        }
        // Namespaces do not see each other's snapshots.
        await #expect(throws: BerthError.notFound("snapshot layer does not exist")) {
            _ = try await snapshots.stat(namespace: "b", snapshotter: "native", key: "layer")
        }
        try await snapshots.remove(namespace: "a", snapshotter: "native", key: "child")
        try await snapshots.remove(namespace: "a", snapshotter: "native", key: "layer")
        #expect(try await snapshots.list(namespace: "a", snapshotter: "native").isEmpty)
        // The directories are renamed away at once and their trees removed behind the call.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/native/snapshots").allSatisfy { $0.hasPrefix("rm-") })
        SnapshotTreeRemoval.finish()
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/native/snapshots").isEmpty)
    }

    @Test func nativeChildCopiesItsParent() async throws {
        defer { cleanUp() }
        let (base, _) = try await snapshots.create(namespace: "a", snapshotter: "native", key: "b", parent: nil, kind: .active, labels: [:], lease: nil)
        let basePath = root + "/native/snapshots/\(base.id)"
        try FileManager.default.createDirectory(atPath: basePath + "/etc", withIntermediateDirectories: true)
        try "x".write(toFile: basePath + "/etc/hostname", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: basePath + "/link", withDestinationPath: "etc/hostname")
        _ = try await snapshots.commit(namespace: "a", snapshotter: "native", name: "base", key: "b", labels: [:], lease: nil)
        let (child, mounts) = try await snapshots.create(namespace: "a", snapshotter: "native", key: "c", parent: "base", kind: .active, labels: [:], lease: nil)
        let childPath = root + "/native/snapshots/\(child.id)"
        #expect(mounts == [Mount(type: "bind", source: childPath, options: ["rw", "rbind"])])
        #expect(try String(contentsOfFile: childPath + "/etc/hostname", encoding: .utf8) == "x")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: childPath + "/link") == "etc/hostname")
    }

    @Test func cleanupRemovesDirectoriesWithoutRecords() async throws {
        defer { cleanUp() }
        let stray = root + "/overlayfs/snapshots/999"
        try FileManager.default.createDirectory(atPath: stray + "/fs", withIntermediateDirectories: true)
        let (kept, _) = try await snapshots.create(namespace: "a", snapshotter: "overlayfs", key: "k", parent: nil, kind: .active, labels: [:], lease: nil)
        try await snapshots.cleanup(snapshotter: "overlayfs")
        #expect(!FileManager.default.fileExists(atPath: stray))
        #expect(FileManager.default.fileExists(atPath: root + "/overlayfs/snapshots/\(kept.id)/fs"))
    }

    @Test func collectionRemovesUnreferencedSnapshotsButKeepsLabelledChains() async throws {
        defer { cleanUp() }
        for (key, parent) in [("l1", nil), ("l2", "c1")] as [(String, String?)] {
            _ = try await snapshots.create(namespace: "a", snapshotter: "overlayfs", key: key, parent: parent, kind: .active, labels: [:], lease: nil)
            _ = try await snapshots.commit(namespace: "a", snapshotter: "overlayfs", name: key.replacingOccurrences(of: "l", with: "c"), key: key, labels: [:], lease: nil)
        }
        _ = try await snapshots.create(namespace: "a", snapshotter: "overlayfs", key: "loose", parent: nil, kind: .active, labels: [:], lease: nil)
        // An image labelled with its top layer's chain keeps the whole chain.
        try await snapshots.metadata.createImage(namespace: "a", ImageRecord(
            name: "img", labels: ["\(GCLabels.snapshotRefPrefix)overlayfs": "c2"],
            target: Descriptor(mediaType: "application/vnd.oci.image.manifest.v1+json", digest: try Digest(parsing: "sha256:" + String(repeating: "1", count: 64)), size: 1)))
        let report = try await snapshots.collector.collect()
        #expect(report.sweep.removedSnapshots.count == 1)
        #expect(try await snapshots.list(namespace: "a", snapshotter: "overlayfs").map(\.key) == ["c1", "c2"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/overlayfs/snapshots").count == 2)
    }
}
