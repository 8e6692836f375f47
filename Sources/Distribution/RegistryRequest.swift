import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One registry API call before auth, retries and redirects are applied.
struct RegistryRequest: Sendable {
    enum Body: Sendable {
        case bytes(ByteBuffer)
        /// Made anew for every try, so a retried upload sends the bytes again.
        case stream(length: Int64, make: @Sendable () async throws -> AsyncThrowingStream<ByteBuffer, any Error>)
    }

    var method: HTTPMethod
    var url: String
    var headers: HTTPHeaders = HTTPHeaders()
    var body: Body?
    /// Token scopes (`repository:name:pull`) the call needs.
    var scopes: [String] = []
    var followRedirects = true
    /// Whether to try again on 5xx and dropped connections (false for non-idempotent calls mid-upload).
    var retry = true
}
