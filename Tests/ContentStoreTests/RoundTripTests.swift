import BerthCore
import Foundation
import Testing

@testable import ContentStore

@Suite struct RoundTripTests {
    @Test func smallBlobRoundTrip() throws {
        try withTemporaryStore { store, root in
            let bytes = Array("foobar".utf8)
            let writer = try store.writer(ref: "small", total: 6, expected: digest(bytes))
            try writer.write(bytes)
            let preCommit = Date()
            let committed = try writer.commit(size: 6, expected: digest(bytes))
            let postCommit = Date()
            #expect(committed == digest(bytes))
            #expect(writer.digest == committed)

            let info = try store.info(committed)
            #expect(info.digest == committed)
            #expect(info.size == 6)
            expectWithin(info.createdAt, preCommit, postCommit)
            #expect(store.exists(committed))
            #expect(try readAll(store, committed) == bytes)
            // Reading more than there is (containerd's checkSmallBlob) is a short read.
            #expect(try store.reader(committed).read(at: 0, count: 7) == bytes)
            #expect(store.blobPath(committed) == root + "/blobs/sha256/" + committed.encoded)
        }
    }

    @Test func multiMebibyteBlobAndReadsAtOffsets() throws {
        try withTemporaryStore { store, _ in
            let bytes = randomBytes((8 << 20) + 12345, seed: 1)
            let writer = try store.writer(ref: "big")
            // Uneven chunks, including ones larger than the resume buffer.
            var start = 0
            for size in [1, 4095, 1 << 20, 3 << 20, 17, 5 << 20] where start < bytes.count {
                let end = min(start + size, bytes.count)
                try bytes[start..<end].withUnsafeBytes { try writer.write($0) }
                start = end
            }
            #expect(try writer.status().offset == Int64(bytes.count))
            let committed = try writer.commit(size: Int64(bytes.count), expected: digest(bytes))

            let reader = try store.reader(committed)
            defer { reader.close() }
            #expect(reader.size == Int64(bytes.count))
            for (offset, count) in [(0, 10), (1, 1 << 20), (4_000_000, 3_000_000), (bytes.count - 5, 5)] {
                #expect(try reader.read(at: Int64(offset), count: count) == Array(bytes[offset..<(offset + count)]))
            }
            #expect(try reader.read(at: Int64(bytes.count - 3), count: 100) == Array(bytes[(bytes.count - 3)...]))
            #expect(try reader.read(at: Int64(bytes.count), count: 100) == [])
            #expect(try reader.read(at: Int64(bytes.count) + 1000, count: 100) == [])
            #expect(try reader.read(at: 5, count: 0) == [])
            expectBerthError(.outOfRange) { try reader.read(at: -1, count: 1) }
            #expect(DigestHasher.digest(of: try reader.read(at: 0, count: bytes.count)) == committed)

            var buffer = [UInt8](repeating: 0, count: 64)
            let count = try buffer.withUnsafeMutableBytes { try reader.read(at: 100, into: $0) }
            #expect(count == 64 && buffer == Array(bytes[100..<164]))
        }
    }

    @Test(arguments: Digest.Algorithm.allCases)
    func eachAlgorithm(_ algorithm: Digest.Algorithm) throws {
        try withTemporaryStore { store, root in
            let bytes = randomBytes(300_000, seed: 2)
            let expected = digest(bytes, algorithm)
            let writer = try store.writer(ref: "alg-\(algorithm)", expected: expected)
            try write(writer, bytes, chunk: 7000)
            #expect(writer.digest == expected)
            #expect(try writer.commit(size: Int64(bytes.count), expected: expected) == expected)
            #expect(fileExists(root + "/blobs/\(algorithm.rawValue)/" + expected.encoded))
            #expect(try readAll(store, expected) == bytes)
            #expect(try store.info(expected).size == 300_000)
        }
    }

    @Test func writerWithoutExpectedHashesSHA256AndCommitMayNameAnotherAlgorithm() throws {
        try withTemporaryStore { store, _ in
            let bytes = randomBytes(5000, seed: 3)
            let writer = try store.writer(ref: "late")
            try writer.write(bytes)
            #expect(writer.digest == digest(bytes))
            let sha512 = digest(bytes, .sha512)
            #expect(try writer.commit(size: 0, expected: sha512) == sha512)
            #expect(writer.digest == sha512)
            #expect(store.exists(sha512) && !store.exists(digest(bytes)))
        }
    }

    @Test func commitWithoutChecksUsesTheWrittenDigest() throws {
        try withTemporaryStore { store, _ in
            let bytes = randomBytes(1000, seed: 4)
            let writer = try store.writer(ref: "unchecked")
            try writer.write(bytes)
            #expect(try writer.commit(size: 0, expected: nil) == digest(bytes))
        }
    }

    @Test func emptyBlob() throws {
        try withTemporaryStore { store, _ in
            let writer = try store.writer(ref: "empty")
            let committed = try writer.commit(size: 0, expected: digest([]))
            #expect(committed.encoded == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            #expect(try store.info(committed).size == 0)
            #expect(try store.reader(committed).read(at: 0, count: 10) == [])
        }
    }

    @Test func commitLeavesAReadOnlyBlobAndNoIngest() throws {
        try withTemporaryStore { store, root in
            let committed = try ingest(store, randomBytes(4096, seed: 5), ref: "layout")
            var info = stat()
            #expect(stat(store.blobPath(committed), &info) == 0)
            #expect(info.st_mode & 0o777 == 0o444)
            #expect(contents(of: root + "/ingest") == [])
            #expect(try store.listStatuses() == [])
        }
    }

    @Test func writerIsUnusableAfterCommitAndTheRefIsFree() throws {
        try withTemporaryStore { store, _ in
            let bytes = randomBytes(100, seed: 6)
            let writer = try store.writer(ref: "once")
            try writer.write(bytes)
            try writer.commit(size: 100, expected: digest(bytes))
            expectBerthError(.failedPrecondition, "cannot write on closed writer") { try writer.write(bytes) }
            expectBerthError(.failedPrecondition, "cannot commit on closed writer") {
                try writer.commit(size: 0, expected: nil)
            }
            expectBerthError(.failedPrecondition) { try writer.truncate(to: 0) }
            writer.close()
            // The ref is unlocked and starts a new, empty ingest.
            let again = try store.writer(ref: "once")
            #expect(try again.status().offset == 0)
            again.close()
        }
    }

    @Test func readersSurviveDeleteAndCloseIsIdempotent() throws {
        try withTemporaryStore { store, _ in
            let bytes = randomBytes(10_000, seed: 8)
            let committed = try ingest(store, bytes, ref: "r")
            let reader = try store.reader(committed)
            try store.delete(committed)
            #expect(try reader.read(at: 0, count: bytes.count) == bytes)
            reader.close()
            reader.close()
            expectBerthError(.failedPrecondition) { try reader.read(at: 0, count: 1) }
        }
    }

    @Test func concurrentReadsOfOneReader() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try LocalContentStore(root: root)
        let bytes = randomBytes(1 << 20, seed: 9)
        let committed = try ingest(store, bytes, ref: "concurrent")
        let reader = try store.reader(committed)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                group.addTask {
                    let offset = index * 100_000
                    return try reader.read(at: Int64(offset), count: 50_000) == Array(bytes[offset..<(offset + 50_000)])
                }
            }
            for try await matched in group { #expect(matched) }
        }
        reader.close()
    }
}
