import BerthCore
import Foundation
import Testing

@testable import ContentStore

/// The split write the Write stream pipelines: `accept` hashes and counts bytes, `writeAccepted` puts them in
/// the file later, in order.
@Suite struct PipelinedWriteTests {
    @Test func acceptedBytesCountAtOnceAndCommitOnceWritten() throws {
        try withTemporaryStore { store, _ in
            let bytes = randomBytes(3 << 20, seed: 7)
            let chunks = stride(from: 0, to: bytes.count, by: 1 << 20).map { Array(bytes[$0..<min($0 + (1 << 20), bytes.count)]) }
            let writer = try store.writer(ref: "pipelined")
            for chunk in chunks { try chunk.withUnsafeBytes { try writer.accept($0) } }
            #expect(try writer.status().offset == Int64(bytes.count), "the stream reports what it accepted")
            #expect(writer.digest == digest(bytes), "and the digest of it")

            // Nothing may commit, truncate or write in line while accepted bytes are not in the file.
            #expect(throws: BerthError.self) { try writer.commit() }
            #expect(throws: BerthError.self) { try writer.truncate(to: 0) }
            #expect(throws: BerthError.self) { try writer.write([1]) }

            for chunk in chunks { chunk.withUnsafeBytes { writer.writeAccepted($0) } }
            let committed = try writer.commit(size: Int64(bytes.count), expected: digest(bytes))
            #expect(try readAll(store, committed) == bytes)
        }
    }

    @Test func anIngestLeftWithAcceptedBytesUnwrittenResumesFromTheFile() throws {
        try withTemporaryStore { store, _ in
            let bytes = randomBytes(2 << 20, seed: 8)
            let first = Array(bytes[0..<(1 << 20)]), second = Array(bytes[(1 << 20)...])
            let writer = try store.writer(ref: "cut")
            try first.withUnsafeBytes { try writer.accept($0) }
            first.withUnsafeBytes { writer.writeAccepted($0) }
            try second.withUnsafeBytes { try writer.accept($0) }
            // The stream ends (a client gone) before the second chunk reached the file.
            writer.close()

            let resumed = try store.writer(ref: "cut")
            #expect(try resumed.status().offset == Int64(first.count), "only what reached the file counts")
            try second.withUnsafeBytes { try resumed.write($0) }
            #expect(try resumed.commit(expected: digest(bytes)) == digest(bytes))
        }
    }
}
