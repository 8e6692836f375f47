import Distribution
import NIOCore
import OCI

/// A content source that hides its labels, so the pusher has no mount candidates.
struct UnlabeledSource: ContentSource {
    let base: FileSink

    func info(_ digest: String) async throws -> ContentInfo? {
        try await base.info(digest).map { ContentInfo(size: $0.size) }
    }

    func read(_ descriptor: OCIDescriptor) async throws -> AsyncThrowingStream<ByteBuffer, any Error> {
        try await base.read(descriptor)
    }
}
