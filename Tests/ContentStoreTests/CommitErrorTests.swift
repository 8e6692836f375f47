import BerthCore
import Foundation
import Testing

@testable import ContentStore

@Suite struct CommitErrorTests {
    @Test func sizeMismatchKeepsTheIngestForResume() throws {
        try withTemporaryStore { store, root in
            let bytes = randomBytes(1000, seed: 10)
            let writer = try store.writer(ref: "size")
            try writer.write(bytes)
            expectBerthError(.failedPrecondition, "unexpected commit size 1000, expected 999") {
                try writer.commit(size: 999, expected: digest(bytes))
            }
            #expect(contents(of: root + "/blobs/sha256") == [])
            #expect(try store.status(ref: "size").offset == 1000)
            // containerd ends the writer on any commit: the ref is free again, the data is kept.
            expectBerthError(.failedPrecondition) { try writer.write(bytes) }
            let resumed = try store.writer(ref: "size")
            #expect(try resumed.status().offset == 1000)
            #expect(resumed.digest == digest(bytes))
            #expect(try resumed.commit(size: 1000, expected: digest(bytes)) == digest(bytes))
        }
    }

    @Test func digestMismatchKeepsTheIngestForResume() throws {
        try withTemporaryStore { store, root in
            let bytes = randomBytes(2000, seed: 11)
            let wrong = digest(randomBytes(2000, seed: 12))
            let writer = try store.writer(ref: "digest")
            try writer.write(Array(bytes[..<1500]))
            expectBerthError(
                .failedPrecondition, "unexpected commit digest \(digest(Array(bytes[..<1500]))), expected \(wrong)"
            ) {
                try writer.commit(size: 0, expected: wrong)
            }
            #expect(contents(of: root + "/blobs/sha256") == [])
            #expect(!store.exists(wrong))
            let resumed = try store.writer(ref: "digest")
            #expect(try resumed.status().offset == 1500)
            try resumed.write(Array(bytes[1500...]))
            #expect(try resumed.commit(size: 2000, expected: digest(bytes)) == digest(bytes))
            #expect(try readAll(store, digest(bytes)) == bytes)
        }
    }

    @Test func commitOfExistingContentRemovesTheIngest() throws {
        try withTemporaryStore { store, root in
            let bytes = randomBytes(256, seed: 13)
            let committed = try ingest(store, bytes, ref: "c1")
            // With and without the expected digest (containerd's checkCommitExists).
            for (index, expected) in [committed, nil].enumerated() {
                let writer = try store.writer(ref: "c1-commitexists-\(index)")
                try writer.write(bytes)
                expectBerthError(.alreadyExists, "content \(committed)") {
                    try writer.commit(size: 256, expected: expected)
                }
                writer.close()
            }
            #expect(contents(of: root + "/ingest") == [])
            #expect(try readAll(store, committed) == bytes)
        }
    }

    @Test func writerForExpectedContentThatExists() throws {
        try withTemporaryStore { store, _ in
            let bytes = randomBytes(256, seed: 14)
            let committed = try ingest(store, bytes, ref: "exists")
            expectBerthError(.alreadyExists, "content \(committed)") {
                try store.writer(ref: "exists-again", expected: committed)
            }
            // The failed call must not leave the ref locked or an ingest behind.
            #expect(try store.listStatuses() == [])
            let writer = try store.writer(ref: "exists-again")
            writer.close()
        }
    }

    /// containerd's testsuite checkCommitErrorState, step by step.
    @Test func commitErrorStateSequence() throws {
        try withTemporaryStore { store, _ in
            let c1 = randomBytes(256, seed: 15)
            let d1 = digest(c1)
            let d2 = digest(randomBytes(256, seed: 16))
            try ingest(store, c1, ref: "c1")
            let ref = "c1-commiterror-state"

            var writer = try store.writer(ref: ref)
            try writer.write(c1)
            expectBerthError(.unavailable) { try store.writer(ref: ref) }
            expectBerthError(.alreadyExists) { try writer.commit(size: 256, expected: d1) }

            writer = try store.writer(ref: ref)
            expectBerthError(.unavailable) { try store.writer(ref: ref) }
            try writer.write(c1)
            expectBerthError(.alreadyExists) { try writer.commit(size: 256, expected: nil) }
            writer.close()

            writer = try store.writer(ref: ref)
            expectBerthError(.unavailable) { try store.writer(ref: ref) }
            try writer.write(c1 + Array("more".utf8))
            expectBerthError(.failedPrecondition) { try writer.commit(size: 260, expected: d2) }
            writer.close()

            writer = try store.writer(ref: ref)
            expectBerthError(.unavailable) { try store.writer(ref: ref) }
            expectBerthError(.failedPrecondition) { try writer.commit(size: 256, expected: nil) }
            writer.close()

            writer = try store.writer(ref: ref)
            expectBerthError(.unavailable) { try store.writer(ref: ref) }
            #expect(try writer.commit(size: 260, expected: nil) == digest(c1 + Array("more".utf8)))
            writer.close()

            writer = try store.writer(ref: ref)
            try writer.write(c1)
            expectBerthError(.unavailable) { try store.writer(ref: ref) }
            expectBerthError(.alreadyExists) { try writer.commit(size: 256, expected: d1) }
            writer.close()

            writer = try store.writer(ref: ref)
            expectBerthError(.unavailable) { try store.writer(ref: ref) }
            writer.close()
            writer = try store.writer(ref: ref)
            writer.close()
        }
    }
}
