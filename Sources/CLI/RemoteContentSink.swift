import BerthClient
import BerthCore
import Distribution
import Foundation
import GRPCCore
import NIOCore
import OCI

/// The daemon's content store as the image puller's sink: blobs go in through the content service's Write
/// stream (resumable by ref), under whatever lease the client carries. This is how ctr pulls, too.
struct RemoteContentSink: ContentSink {
    let client: BerthClient

    func info(_ digest: String) async throws -> Distribution.ContentInfo? {
        try await Self.info(digest, from: client)
    }

    /// A blob's size and labels from berthd, nil when it has none (shared with RemoteContentSource).
    static func info(_ digest: String, from client: BerthClient) async throws -> Distribution.ContentInfo? {
        do {
            let info = try await client.contentInfo(digest)
            return Distribution.ContentInfo(size: info.size, labels: info.labels)
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }

    func update(_ digest: String, labels: [String: String]) async throws {
        _ = try await Self.mapped { try await client.setContentLabels(digest, labels) }
    }

    func openWriter(ref: String, expected: OCIDescriptor) async throws -> any ContentSinkWriter {
        let ingest = try await Self.mapped {
            try await client.openIngest(ref: ref, expectedSize: expected.size, expectedDigest: expected.digest)
        }
        return RemoteContentWriter(client: client, ingest: ingest, expected: expected)
    }

    /// The puller reads error kinds (already exists, locked): RPC codes become BerthError kinds again.
    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RPCError {
            throw BerthError(statusCode: Int32(error.code.rawValue), message: error.message)
        }
    }
}

struct RemoteContentWriter: ContentSinkWriter {
    let client: BerthClient
    let ingest: ContentIngest
    let expected: OCIDescriptor

    var offset: Int64 { ingest.offset }

    func write(_ buffer: ByteBuffer) async throws {
        try await RemoteContentSink.mapped { try await ingest.write(Data(buffer.readableBytesView)) }
    }

    func commit(labels: [String: String]) async throws {
        try await RemoteContentSink.mapped {
            try await ingest.commit(size: expected.size, digest: expected.digest, labels: labels)
        }
    }

    func abort() async throws {
        ingest.finish()
        try await RemoteContentSink.mapped { try await client.abortIngest(ingest.ref) }
    }

    func close() async throws {
        ingest.finish()
    }
}
