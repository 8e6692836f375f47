import OCI

/// One status update of a pull or push, per descriptor, for drawing ctr-like progress bars.
/// Later updates for the same `ref` replace earlier ones.
public struct TransferProgress: Sendable, Hashable {
    public enum Status: Sendable, Hashable {
        /// Looking up the tag (`ref` is the image reference).
        case resolving
        case resolved
        /// Queued behind the concurrency limit.
        case waiting
        case downloading(offset: Int64, total: Int64)
        case uploading(offset: Int64, total: Int64)
        /// Fetched (or pushed) and stored.
        case done
        /// Already present; nothing transferred.
        case exists
        /// Pushed by linking it from another repository of the registry.
        case mounted(from: String)
    }

    /// containerd's ref key (`index-sha256:...`, `manifest-...`, `config-...`, `layer-...`), or
    /// the image reference while resolving.
    public var ref: String
    public var descriptor: OCIDescriptor?
    public var status: Status

    public init(ref: String, descriptor: OCIDescriptor?, status: Status) {
        self.ref = ref
        self.descriptor = descriptor
        self.status = status
    }
}
