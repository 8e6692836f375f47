import BerthCore
import Foundation
import GRDB
import Testing

@testable import Metadata

@Suite struct NamespaceStoreTests {
    let root: TemporaryDirectory
    let store: MetadataStore

    init() throws {
        root = try TemporaryDirectory()
        store = try MetadataStore(root: root.path)
    }

    @Test func createGetListDelete() async throws {
        try await store.createNamespace(Namespace(name: "a", labels: ["k": "v"]))
        try await store.createNamespace(Namespace(name: "b"))
        #expect(try await store.namespace(named: "a") == Namespace(name: "a", labels: ["k": "v"]))
        #expect(try await store.listNamespaces().map(\.name) == ["a", "b"])
        try await store.deleteNamespace(named: "a")
        #expect(try await store.namespace(named: "a") == nil)
        #expect(try await store.listNamespaces().map(\.name) == ["b"])
    }

    @Test func duplicateCreateIsAlreadyExists() async throws {
        try await store.createNamespace(Namespace(name: "dup"))
        await #expect(throws: BerthError.alreadyExists("namespace \"dup\"")) {
            try await store.createNamespace(Namespace(name: "dup"))
        }
    }

    @Test(arguments: ["", "-a", "a..b", "UPPER_", "has space", "a/b", String(repeating: "x", count: 77)])
    func invalidNamesAreRejected(_ name: String) async throws {
        await #expect(throws: BerthError.self) { try await store.createNamespace(Namespace(name: name)) }
        #expect(try await store.listNamespaces().isEmpty)
    }

    @Test func oversizedLabelIsRejectedAndNothingIsStored() async throws {
        let big = String(repeating: "v", count: 5000)
        do {
            try await store.createNamespace(Namespace(name: "big", labels: ["k": big]))
            Issue.record("expected an error")
        } catch let error as BerthError {
            #expect(error.kind == .invalidArgument)
            #expect(error.message.hasPrefix("namespace.Labels: "))
        }
        #expect(try await store.namespace(named: "big") == nil)
    }

    @Test func updateByFieldPaths() async throws {
        try await store.createNamespace(Namespace(name: "u", labels: ["a": "1", "b": "2"]))
        try await store.updateNamespace(Namespace(name: "u", labels: ["c": "3"]), paths: ["labels.c"])
        #expect(try await store.namespace(named: "u")?.labels == ["a": "1", "b": "2", "c": "3"])
        // A path whose key is missing from the update clears that label.
        try await store.updateNamespace(Namespace(name: "u", labels: [:]), paths: ["labels.a"])
        #expect(try await store.namespace(named: "u")?.labels == ["b": "2", "c": "3"])
        // No paths: the labels are replaced.
        try await store.updateNamespace(Namespace(name: "u", labels: ["z": "9"]), paths: [])
        #expect(try await store.namespace(named: "u")?.labels == ["z": "9"])
    }

    @Test(arguments: ["name", "labels"])
    func updateOfOtherPathsIsInvalidArgument(_ path: String) async throws {
        try await store.createNamespace(Namespace(name: "f", labels: ["k": "v"]))
        await #expect(throws: BerthError.invalidArgument("cannot update \"\(path)\" field on namespace \"f\"")) {
            try await store.updateNamespace(Namespace(name: "f"), paths: [path])
        }
        #expect(try await store.namespace(named: "f")?.labels == ["k": "v"])
    }

    @Test func updateCreatesAMissingNamespaceAsContainerdDoes() async throws {
        try await store.updateNamespace(Namespace(name: "implicit", labels: ["k": "v"]), paths: ["labels.k"])
        #expect(try await store.namespace(named: "implicit")?.labels == ["k": "v"])
    }

    @Test func deleteOfMissingNamespaceIsNotFound() async throws {
        await #expect(throws: BerthError.notFound("namespace \"nope\"")) {
            try await store.deleteNamespace(named: "nope")
        }
    }

    @Test func deleteOfNamespaceThatHoldsImagesIsFailedPrecondition() async throws {
        try await store.createNamespace(Namespace(name: "busy"))
        try await store.pool.write { db in
            try db.execute(sql: """
                INSERT INTO images (namespace, name, target_media_type, target_digest, target_size, created_at, updated_at)
                VALUES ('busy', 'docker.io/library/busybox:latest', 'application/vnd.oci.image.index.v1+json',
                        'sha256:0000000000000000000000000000000000000000000000000000000000000000', 1, 0, 0)
                """)
        }
        await #expect(throws: BerthError.failedPrecondition("namespace \"busy\" must be empty, but it still has images")) {
            try await store.deleteNamespace(named: "busy")
        }
        #expect(try await store.namespace(named: "busy") != nil)
    }

    @Test func reopeningKeepsRecordsAndDoesNotReapplyMigrations() async throws {
        try await store.createNamespace(Namespace(name: "kept", labels: ["x": "y"]))
        let reopened = try MetadataStore(root: root.path)
        #expect(try await reopened.namespace(named: "kept")?.labels == ["x": "y"])
        #expect(try reopened.appliedMigrations() == ["v1-namespaces-images", "v2-content-leases", "v3-snapshots", "v4-containers"])
    }
}
