import OCI

/// Where ImagePuller stores what it fetches: a content store (containerd's content.Ingester and
/// Manager) seen from the puller. Implementations must be safe to call concurrently.
public protocol ContentSink: Sendable {
    /// The committed blob's size and labels, or nil if the sink does not have it.
    func info(_ digest: String) async throws -> ContentInfo?

    /// Merges `labels` into a committed blob's labels (the puller sets the same labels on blobs
    /// that were already present as on the ones it commits).
    func update(_ digest: String, labels: [String: String]) async throws

    /// Opens the ingest `ref` (containerd's ref key, `layer-sha256:...`) for `expected`, resuming
    /// whatever an earlier, interrupted ingest under the same ref stored. Throws BerthError
    /// `.alreadyExists` if the blob is already committed, and `.unavailable` while another writer
    /// holds `ref` (the puller then waits for that writer, so concurrent pulls share downloads).
    func openWriter(ref: String, expected: OCIDescriptor) async throws -> any ContentSinkWriter
}
