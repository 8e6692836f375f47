import BerthCore

extension RegistryClient {
    /// Timeouts, retries and limits. The defaults suit pulling from public registries.
    public struct Configuration: Sendable {
        /// Until a response's head arrives.
        public var requestTimeout: Duration = .seconds(60)
        /// Longest wait for the next bytes of a body before the transfer counts as stalled.
        public var stallTimeout: Duration = .seconds(30)
        /// For a usable connection (TCP and TLS); failed attempts are retried within it.
        public var connectTimeout: Duration = .seconds(10)
        /// Tries of one request on 5xx, 429 and connection errors, the first included.
        public var maxAttempts: Int = 4
        public var initialBackoff: Duration = .milliseconds(250)
        public var maxBackoff: Duration = .seconds(4)
        public var maxRedirects: Int = 10
        /// Largest manifest, index or config read into memory (containerd's limit).
        public var maxDocumentSize: Int64 = 4 << 20
        /// Blobs larger than this are uploaded in PATCH chunks of this size; nil uploads in one PUT.
        public var uploadChunkSize: Int? = nil
        public var userAgent: String = "berth/\(BerthVersion.version)"

        public init() {}
    }
}
