import BerthCore
import Foundation
import Testing

@testable import Metadata

@Suite struct ImageStoreTests {
    let root: TemporaryDirectory
    let store: MetadataStore

    init() throws {
        root = try TemporaryDirectory()
        store = try MetadataStore(root: root.path)
    }

    @Test func createGetListDeleteInOneNamespace() async throws {
        try await store.createImage(namespace: "a", ImageRecord(name: "docker.io/library/busybox:latest", labels: ["k": "v"], target: descriptor(1)))
        let image = try await store.image(namespace: "a", name: "docker.io/library/busybox:latest")
        #expect(image.target == descriptor(1))
        #expect(image.labels == ["k": "v"])
        #expect(try await store.images(namespace: "b").isEmpty)
        // The namespace was created implicitly, as containerd does.
        #expect(try await store.namespace(named: "a") != nil)
        try await store.deleteImage(namespace: "a", name: "docker.io/library/busybox:latest")
        await #expect(throws: BerthError.notFound("image \"docker.io/library/busybox:latest\"")) {
            try await store.image(namespace: "a", name: "docker.io/library/busybox:latest")
        }
    }

    @Test func duplicateIsAlreadyExists() async throws {
        try await store.createImage(namespace: "a", ImageRecord(name: "x", target: descriptor(1)))
        await #expect(throws: BerthError.alreadyExists("image \"x\"")) {
            try await store.createImage(namespace: "a", ImageRecord(name: "x", target: descriptor(2)))
        }
    }

    @Test func validationMatchesContainerd() async throws {
        await #expect(throws: BerthError.invalidArgument("image name must not be empty")) {
            try await store.createImage(namespace: "a", ImageRecord(name: "", target: descriptor(1)))
        }
        var zeroSize = descriptor(1)
        zeroSize.size = 0
        await #expect(throws: BerthError.invalidArgument("Target.Size must be greater than zero")) {
            try await store.createImage(namespace: "a", ImageRecord(name: "x", target: zeroSize))
        }
        await #expect(throws: BerthError.invalidArgument("Target.MediaType must be set")) {
            try await store.createImage(namespace: "a", ImageRecord(name: "x", target: descriptor(1, mediaType: "")))
        }
        #expect(try await store.images(namespace: "a").isEmpty)
    }

    @Test func updateByFieldPaths() async throws {
        try await store.createImage(namespace: "a", ImageRecord(name: "x", labels: ["a": "1", "b": "2"], target: descriptor(1)))
        var updated = try await store.updateImage(namespace: "a", name: "x", labels: ["c": "3"], target: nil, paths: ["labels.c", "labels.a"])
        #expect(updated.labels == ["b": "2", "c": "3"])
        #expect(updated.target == descriptor(1))
        updated = try await store.updateImage(namespace: "a", name: "x", labels: [:], target: descriptor(2), paths: ["target"])
        #expect(updated.target == descriptor(2))
        #expect(updated.labels == ["b": "2", "c": "3"])
        updated = try await store.updateImage(namespace: "a", name: "x", labels: ["z": "9"], target: descriptor(3), paths: [])
        #expect(updated.labels == ["z": "9"])
        #expect(updated.target == descriptor(3))
        await #expect(throws: BerthError.invalidArgument("cannot update \"name\" field on image \"x\"")) {
            try await store.updateImage(namespace: "a", name: "x", labels: [:], target: nil, paths: ["name"])
        }
        await #expect(throws: BerthError.notFound("image \"y\"")) {
            try await store.updateImage(namespace: "a", name: "y", labels: [:], target: nil, paths: ["labels.k"])
        }
    }

    @Test func filtersSeeNameTargetAndLabels() throws {
        let image = ImageRecord(name: "docker.io/library/busybox:latest", labels: ["env": "prod"], target: descriptor(7))
        #expect(try Filter.parse("name==docker.io/library/busybox:latest").matches(image))
        #expect(try Filter.parse("labels.env==prod").matches(image))
        #expect(try Filter.parse("target.digest==\(digest(7))").matches(image))
        #expect(try Filter.parse("target.mediatype~=manifest").matches(image))
        #expect(try !Filter.parse("name~=alpine").matches(image))
    }
}
