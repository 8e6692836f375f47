import BerthCore
import Foundation
import Testing

@testable import ContentStore

@Suite struct StoreTests {
    @Test func initCreatesTheLayout() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try LocalContentStore(root: directory + "/a/b/io.containerd.content.v1.content/")
        #expect(store.root == directory + "/a/b/io.containerd.content.v1.content")
        #expect(contents(of: store.root) == ["blobs", "ingest"])
        // Opening again is fine.
        _ = try LocalContentStore(root: store.root)
    }

    @Test func missingContent() throws {
        try withTemporaryStore { store, _ in
            let missing = digest(Array("missing".utf8))
            expectBerthError(.notFound, "content \(missing)") { try store.info(missing) }
            expectBerthError(.notFound, "content \(missing)") { try store.delete(missing) }
            expectBerthError(.notFound, "blob \(missing) expected at \(store.blobPath(missing)): blob not found") {
                try store.reader(missing)
            }
            #expect(!store.exists(missing))
        }
    }

    @Test func deleteRemovesTheBlob() throws {
        try withTemporaryStore { store, _ in
            let committed = try ingest(store, randomBytes(1000, seed: 40), ref: "del")
            try store.delete(committed)
            #expect(!store.exists(committed))
            expectBerthError(.notFound) { try store.info(committed) }
            expectBerthError(.notFound) { try store.delete(committed) }
            #expect(try store.allBlobs() == [])
            // And it can be ingested again.
            try ingest(store, randomBytes(1000, seed: 40), ref: "del")
            #expect(store.exists(committed))
        }
    }

    @Test func allBlobsListsEveryAlgorithmAndSkipsJunk() throws {
        try withTemporaryStore { store, root in
            var committed: [Digest] = []
            for (index, algorithm) in Digest.Algorithm.allCases.enumerated() {
                committed.append(try ingest(store, randomBytes(100 * (index + 1), seed: UInt64(41 + index)), ref: "b\(index)", algorithm: algorithm))
            }
            committed.append(try ingest(store, randomBytes(50, seed: 49), ref: "b-extra"))
            let blobs = root + "/blobs"
            // Junk of every kind containerd's walk might meet.
            try FileSystem.writeFileAtomically(blobs + "/stray-file", [1])
            try FileSystem.makeDirectory(blobs + "/md5")
            try FileSystem.writeFileAtomically(blobs + "/md5/" + String(repeating: "a", count: 32), [1])
            try FileSystem.writeFileAtomically(blobs + "/sha256/not-a-digest", [1])
            try FileSystem.writeFileAtomically(blobs + "/sha256/" + String(repeating: "A", count: 64), [1])
            try FileSystem.writeFileAtomically(blobs + "/sha256/" + String(repeating: "a", count: 63), [1])
            try FileSystem.makeDirectory(blobs + "/sha256/" + String(repeating: "b", count: 64))
            #expect(symlink(store.blobPath(committed[0]), blobs + "/sha256/" + String(repeating: "c", count: 64)) == 0)

            let all = try store.allBlobs()
            #expect(all.map(\.digest) == committed.sorted())
            for info in all {
                #expect(try store.info(info.digest) == info)
            }
            #expect(all.first { $0.digest == committed[2] }?.size == 300)
        }
    }

    @Test func infoReportsCommitTimeAndAccessTime() throws {
        try withTemporaryStore { store, _ in
            let preCommit = Date()
            let committed = try ingest(store, randomBytes(10, seed: 50), ref: "times")
            let postCommit = Date()
            let info = try store.info(committed)
            expectWithin(info.createdAt, preCommit, postCommit)
            expectWithin(info.updatedAt, preCommit, postCommit)
        }
    }

    @Test func blobsAreAddressedByDigest() throws {
        try withTemporaryStore { store, root in
            let sha512 = try Digest(parsing: "sha512:" + String(repeating: "0", count: 128))
            #expect(store.blobPath(sha512) == root + "/blobs/sha512/" + String(repeating: "0", count: 128))
            // The same content under two refs is one blob.
            let bytes = randomBytes(500, seed: 51)
            try ingest(store, bytes, ref: "one")
            expectBerthError(.alreadyExists) { try ingest(store, bytes, ref: "two") }
            #expect(try store.allBlobs().count == 1)
        }
    }
}
