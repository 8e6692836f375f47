import BerthCore
import Foundation
import GRDB
import Testing

@testable import Metadata

@Suite struct LeaseAndSweepTests {
    let root: TemporaryDirectory
    let store: MetadataStore

    init() throws {
        root = try TemporaryDirectory()
        store = try MetadataStore(root: root.path)
    }

    @Test func leaseLifecycleAndResources() async throws {
        let lease = try await store.createLease(namespace: "a", id: "l1", labels: ["k": "v"])
        #expect(lease.id == "l1")
        await #expect(throws: BerthError.alreadyExists("lease \"l1\"")) {
            try await store.createLease(namespace: "a", id: "l1", labels: [:])
        }
        let generated = try await store.createLease(namespace: "a", id: "", labels: [:])
        #expect(generated.id.contains("-") && generated.id.count >= 6)
        try await store.addLeaseResource(namespace: "a", lease: "l1", LeaseResource(type: "content", id: digest(1).description))
        try await store.addLeaseResource(namespace: "a", lease: "l1", LeaseResource(type: "snapshots/overlayfs", id: "key"))
        #expect(try await store.leaseResources(namespace: "a", lease: "l1").count == 2)
        try await store.deleteLeaseResource(namespace: "a", lease: "l1", LeaseResource(type: "snapshots/overlayfs", id: "key"))
        #expect(try await store.leaseResources(namespace: "a", lease: "l1") == [LeaseResource(type: "content", id: digest(1).description)])
        try await store.deleteLease(namespace: "a", id: "l1")
        await #expect(throws: BerthError.notFound("lease \"l1\"")) { try await store.deleteLease(namespace: "a", id: "l1") }
        #expect(try await store.leases(namespace: "a").map(\.id) == [generated.id])
    }

    @Test func resourceTypesAreCheckedAsContainerdDoes() async throws {
        try await store.createLease(namespace: "a", id: "l", labels: [:])
        await #expect(throws: BerthError.self) {
            try await store.addLeaseResource(namespace: "a", lease: "l", LeaseResource(type: "content", id: "not-a-digest"))
        }
        await #expect(throws: BerthError.invalidArgument("invalid snapshot resource type snapshots")) {
            try await store.addLeaseResource(namespace: "a", lease: "l", LeaseResource(type: "snapshots", id: "k"))
        }
        await #expect(throws: BerthError.notImplemented("resource type widgets not supported yet")) {
            try await store.addLeaseResource(namespace: "a", lease: "l", LeaseResource(type: "widgets", id: "k"))
        }
        await #expect(throws: BerthError.notFound("lease \"missing\"")) {
            try await store.addLeaseResource(namespace: "a", lease: "missing", LeaseResource(type: "ingests", id: "r"))
        }
    }

    @Test func sweepKeepsWhatImagesLeasesAndRootsReference() async throws {
        // index(1) -> manifest(2) -> config(3), layer(4); an unreferenced blob(5); a root-labelled blob(6);
        // a leased blob(7); a blob(8) referenced only from a blob that is itself garbage(9).
        let ref = GCLabels.contentRefPrefix
        try await store.addBlob(namespace: "a", BlobRecord(digest: digest(1), size: 1, labels: ["\(ref).m.0": digest(2).description]), lease: nil)
        try await store.addBlob(namespace: "a", BlobRecord(digest: digest(2), size: 1, labels: ["\(ref).config": digest(3).description, "\(ref).l.0": digest(4).description]), lease: nil)
        for seed in [3, 4, 5, 8] { try await store.addBlob(namespace: "a", BlobRecord(digest: digest(seed), size: 1), lease: nil) }
        try await store.addBlob(namespace: "a", BlobRecord(digest: digest(6), size: 1, labels: [GCLabels.root: "true"]), lease: nil)
        try await store.createLease(namespace: "a", id: "hold", labels: [:])
        try await store.addBlob(namespace: "a", BlobRecord(digest: digest(7), size: 1), lease: "hold")
        try await store.addBlob(namespace: "a", BlobRecord(digest: digest(9), size: 1, labels: ["\(ref).x": digest(8).description]), lease: nil)
        try await store.createImage(namespace: "a", ImageRecord(name: "img", target: Descriptor(mediaType: "application/vnd.oci.image.index.v1+json", digest: digest(1), size: 1)))
        // The same blob(5) recorded in another namespace keeps its file alive.
        try await store.addBlob(namespace: "b", BlobRecord(digest: digest(5), size: 1, labels: [GCLabels.root: "1"]), lease: nil)

        let sweep = try await store.sweepUnreferenced()
        #expect(Set(sweep.removedBlobs["a"] ?? []) == [digest(5), digest(8), digest(9)])
        #expect(sweep.unreferencedDigests == [digest(8), digest(9)])
        #expect(Set(try await store.blobs(namespace: "a").map(\.digest)) == Set([1, 2, 3, 4, 6, 7].map(digest)))

        // Deleting the image and the lease releases the rest.
        try await store.deleteImage(namespace: "a", name: "img")
        try await store.deleteLease(namespace: "a", id: "hold")
        let second = try await store.sweepUnreferenced()
        #expect(Set(second.removedBlobs["a"] ?? []) == Set([1, 2, 3, 4, 7].map(digest)))
        #expect(try await store.blobs(namespace: "a").map(\.digest) == [digest(6)])
    }

    /// A blob found under a lease (a pull that skips what it has) joins the lease in the same step, so a sweep
    /// right after cannot take it; one not found joins nothing.
    @Test func aBlobFoundUnderALeaseIsHeldByIt() async throws {
        try await store.addBlob(namespace: "a", BlobRecord(digest: digest(1), size: 1), lease: nil)
        try await store.createLease(namespace: "a", id: "pull", labels: [:])
        #expect(try await store.blob(namespace: "a", digest: digest(1), holdingIn: "pull")?.digest == digest(1))
        #expect(try await store.blob(namespace: "a", digest: digest(2), holdingIn: "pull") == nil)
        #expect(try await store.leaseResources(namespace: "a", lease: "pull") == [LeaseResource(type: "content", id: digest(1).description)])
        #expect(try await store.sweepUnreferenced().removedBlobs["a"] == nil)
        #expect(try await store.blobs(namespace: "a").map(\.digest) == [digest(1)])
        await #expect(throws: BerthError.notFound("lease \"gone\"")) {
            _ = try await store.blob(namespace: "a", digest: digest(1), holdingIn: "gone")
        }
    }

    @Test func expiredLeasesAreRemovedAndReleaseTheirContent() async throws {
        let past = Date().addingTimeInterval(-60).formatted(.iso8601)
        let future = Date().addingTimeInterval(3600).formatted(.iso8601)
        try await store.createLease(namespace: "a", id: "old", labels: [GCLabels.expire: past])
        try await store.createLease(namespace: "a", id: "new", labels: [GCLabels.expire: future])
        try await store.addBlob(namespace: "a", BlobRecord(digest: digest(1), size: 1), lease: "old")
        try await store.addBlob(namespace: "a", BlobRecord(digest: digest(2), size: 1), lease: "new")
        let sweep = try await store.sweepUnreferenced()
        #expect(sweep.expiredLeases == ["a": ["old"]])
        #expect(sweep.removedBlobs == ["a": [digest(1)]])
        #expect(try await store.leases(namespace: "a").map(\.id) == ["new"])
    }

    /// Go clients may write the expiry with a fraction (RFC3339Nano) or an offset; either still expires.
    @Test func expiriesWithFractionsAndOffsetsAreRead() {
        #expect(LeaseRecord(id: "n", labels: [GCLabels.expire: "2023-11-14T22:13:20.5Z"]).expiresAt
            == Date(timeIntervalSince1970: 1_700_000_000.5))
        #expect(LeaseRecord(id: "o", labels: [GCLabels.expire: "2023-11-14T23:13:20+01:00"]).expiresAt
            == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(LeaseRecord(id: "x", labels: [GCLabels.expire: "tomorrow"]).expiresAt == nil)
    }

    /// A blob committed again under a lease (a second diff of the same layer) is alreadyExists, and the lease
    /// holds it all the same, as containerd's commit does: a collection cannot take it from the client.
    @Test func recommittedBlobIsHeldByTheNewLease() async throws {
        try await store.addBlob(namespace: "a", BlobRecord(digest: digest(1), size: 1), lease: nil)
        try await store.createLease(namespace: "a", id: "again", labels: [:])
        await #expect(throws: BerthError.alreadyExists("content \(digest(1))")) {
            try await store.addBlob(namespace: "a", BlobRecord(digest: digest(1), size: 1), lease: "again")
        }
        #expect(try await store.leaseResources(namespace: "a", lease: "again") == [LeaseResource(type: "content", id: digest(1).description)])
        let sweep = try await store.sweepUnreferenced()
        #expect(sweep.removedBlobs["a"]?.contains(digest(1)) != true)
    }

    @Test func flatLeasesHoldOnlyWhatTheyName() async throws {
        try await store.createLease(namespace: "a", id: "flat", labels: [GCLabels.flat: "true"])
        try await store.addBlob(namespace: "a", BlobRecord(digest: digest(1), size: 1, labels: ["\(GCLabels.contentRefPrefix).x": digest(2).description]), lease: "flat")
        try await store.addBlob(namespace: "a", BlobRecord(digest: digest(2), size: 1), lease: nil)
        let sweep = try await store.sweepUnreferenced()
        #expect(sweep.removedBlobs == ["a": [digest(2)]])
    }

    @Test func blobLabelsUpdateByFieldPaths() async throws {
        try await store.addBlob(namespace: "a", BlobRecord(digest: digest(1), size: 1, labels: ["a": "1"]), lease: nil)
        var record = try await store.updateBlob(namespace: "a", digest: digest(1), labels: ["b": "2"], paths: ["labels.b"])
        #expect(record.labels == ["a": "1", "b": "2"])
        record = try await store.updateBlob(namespace: "a", digest: digest(1), labels: ["c": "3"], paths: ["labels"])
        #expect(record.labels == ["c": "3"])
        await #expect(throws: BerthError.self) {
            try await store.updateBlob(namespace: "a", digest: digest(1), labels: [:], paths: ["size"])
        }
        await #expect(throws: BerthError.notFound("content digest \(digest(2))")) {
            try await store.updateBlob(namespace: "a", digest: digest(2), labels: [:], paths: [])
        }
        await #expect(throws: BerthError.alreadyExists("content \(digest(1))")) {
            try await store.addBlob(namespace: "a", BlobRecord(digest: digest(1), size: 1), lease: nil)
        }
    }
}
