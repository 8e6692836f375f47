import AsyncHTTPClient
import BerthCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A failure below HTTP (connect, TLS, a connection that died, a stall), with where it happened.
struct TransportError: Error, CustomStringConvertible {
    let underlying: any Error
    let url: String

    /// Whether trying again may help: dropped connections and stalls. Not TLS or cancellation, and
    /// not failures to connect: the HTTP client already kept trying those for the connect timeout.
    var isRetryable: Bool {
        if isCancellation || isTLS { return false }
        if let error = underlying as? HTTPClientError {
            return [.readTimeout, .remoteConnectionClosed, .deadlineExceeded, .writeTimeout, .bodyLengthMismatch]
                .contains(error)
        }
        return underlying is IOError || underlying is ChannelError || underlying is HTTPParserError
    }

    var isCancellation: Bool {
        underlying is CancellationError || (underlying as? HTTPClientError) == .cancelled
    }

    var isTLS: Bool {
        underlying is NIOSSLError || underlying is BoringSSLError || underlying is NIOSSLExtraError
            || (underlying as? NIOConnectionError)?.connectionErrors.contains { $0.error is NIOSSLError } == true
    }

    var host: String {
        guard let start = url.range(of: "://") else { return url }
        let rest = url[start.upperBound...]
        return String(rest[..<(rest.firstIndex(of: "/") ?? rest.endIndex)])
    }

    var description: String { "\(berthError)" }

    /// The error callers see.
    var berthError: BerthError {
        if isCancellation { return BerthError(.canceled, "request to \(host) canceled") }
        if isTLS {
            return .unavailable(
                "TLS handshake with \(host) failed: \(underlying) (if the registry uses a private CA, set `ca` "
                    + "in its hosts.toml; `skip_verify = true` or --skip-verify disables verification)")
        }
        if let error = underlying as? HTTPClientError {
            switch error {
            case .readTimeout:
                return BerthError(.deadlineExceeded, "\(host) stopped sending data (read stalled): \(url)")
            case .connectTimeout:
                return BerthError(.deadlineExceeded, "timed out connecting to \(host)")
            case .deadlineExceeded:
                return BerthError(.deadlineExceeded, "timed out waiting for \(host) to answer \(url)")
            case .remoteConnectionClosed:
                return .unavailable("\(host) closed the connection during \(url)")
            default:
                return .unavailable("request to \(url) failed: \(error)")
            }
        }
        if let error = underlying as? HTTPParserError {
            if error == .invalidEOFState { return .unavailable("\(host) closed the connection before the body was complete: \(url)") }
            return .unavailable("\(host) sent a malformed HTTP response (\(error)): \(url)")
        }
        return .unavailable("cannot reach \(host): \(underlying)")
    }
}
