import BerthClient
import BerthCore
import Foundation
import ImageArchive
import OCI

/// Imported blobs go through the content service's Write stream, under the client's lease.
struct ClientArchiveSink: ArchiveContentSink {
    let client: BerthClient

    func store(expected: OCIDescriptor?, chunks: AsyncThrowingStream<[UInt8], any Error>) async throws -> (digest: String, size: Int64) {
        if let expected, try await client.hasContent(expected.digest) {
            return (expected.digest, expected.size)
        }
        let counter = ByteCounter()
        // Known digests name their ingest, so an interrupted import resumes; unknown ones get a fresh ref.
        let ref = "import-" + (expected?.digest ?? UUID().uuidString)
        let digest = try await client.ingest(
            ref: ref, expectedSize: expected?.size ?? 0, expectedDigest: expected?.digest ?? ""
        ) { offset in
            Self.skipping(offset, of: chunks, counting: counter)
        }
        return (digest, await counter.total)
    }

    func setLabels(digest: String, labels: [String: String]) async throws {
        try await client.setContentLabels(digest, labels)
    }

    /// The chunks after the first `offset` bytes (a resumed ingest already has those).
    static func skipping(
        _ offset: Int64, of chunks: AsyncThrowingStream<[UInt8], any Error>, counting counter: ByteCounter
    ) -> AsyncThrowingStream<Data, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var skip = offset
                do {
                    for try await chunk in chunks {
                        await counter.add(Int64(chunk.count))
                        if skip >= Int64(chunk.count) {
                            skip -= Int64(chunk.count)
                            continue
                        }
                        continuation.yield(Data(chunk[Int(skip)...]))
                        skip = 0
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

actor ByteCounter {
    var total: Int64 = 0
    func add(_ count: Int64) { total += count }
}

/// Exported blobs come from the content service's Read stream.
struct ClientArchiveSource: ArchiveContentSource {
    let client: BerthClient

    func read(_ descriptor: OCIDescriptor) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingOldest(4))
        let task = Task {
            do {
                try await client.readContent(descriptor.digest) { continuation.yield([UInt8]($0)) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    func readAll(_ descriptor: OCIDescriptor) async throws -> [UInt8] {
        guard let data = try await client.readWholeBlob(descriptor.digest) else {
            throw BerthError.notFound("content digest \(descriptor.digest)")
        }
        return [UInt8](data)
    }
}
