import NIOCore
import OCI

/// Where ImagePusher reads what it pushes: a content store seen from the pusher.
public protocol ContentSource: Sendable {
    /// The blob's size and labels (the pusher reads `containerd.io/distribution.source.<host>` to
    /// find repositories it can mount from), or nil if missing.
    func info(_ digest: String) async throws -> ContentInfo?

    /// The blob's bytes from the start. Called again when an upload is retried.
    func read(_ descriptor: OCIDescriptor) async throws -> AsyncThrowingStream<ByteBuffer, any Error>
}
