import BerthCore
import ContentStore
import Distribution
import Metadata
import NIOCore
import OCI

/// berthd's own content store as the puller's sink: the same namespaced records, lease and resumable
/// ingests as the content service's Write, without a gRPC message per chunk.
struct LocalContentSink: ContentSink {
    let content: NamespacedContent
    let namespace: String
    let lease: String?

    func info(_ digest: String) async throws -> Distribution.ContentInfo? {
        do {
            // Under the pull's lease: a blob the pull skips stays until the image names it.
            let record = try await content.info(namespace: namespace, digest: try Digest(parsing: digest), lease: lease)
            return Distribution.ContentInfo(size: record.size, labels: record.labels)
        } catch let error as BerthError where error.kind == .notFound {
            return nil
        }
    }

    func update(_ digest: String, labels: [String: String]) async throws {
        _ = try await content.update(
            namespace: namespace, digest: try Digest(parsing: digest), labels: labels,
            paths: labels.keys.map { "labels.\($0)" })
    }

    func openWriter(ref: String, expected: OCIDescriptor) async throws -> any ContentSinkWriter {
        let digest = try Digest(parsing: expected.digest)
        let writer = try await content.writer(
            namespace: namespace, ref: ref, total: expected.size, expected: digest, lease: lease)
        return LocalContentWriter(sink: self, writer: writer, ref: ref, size: expected.size, digest: digest)
    }
}

struct LocalContentWriter: ContentSinkWriter {
    let sink: LocalContentSink
    let writer: ContentWriter
    let ref: String
    let size: Int64
    let digest: Digest

    var offset: Int64 {
        get throws { try writer.status().offset }
    }

    func write(_ buffer: ByteBuffer) async throws {
        try buffer.withUnsafeReadableBytes { try writer.write($0) }
    }

    func commit(labels: [String: String]) async throws {
        defer { writer.close() }
        try await sink.content.commit(
            writer, namespace: sink.namespace, size: size, expected: digest, labels: labels, lease: sink.lease)
    }

    func abort() async throws {
        writer.close()
        try sink.content.abort(namespace: sink.namespace, ref: ref)
    }

    func close() async throws {
        writer.close()
    }
}
