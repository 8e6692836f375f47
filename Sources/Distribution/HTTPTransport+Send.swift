import AsyncHTTPClient
import BerthCore
import Foundation
import NIOCore
import NIOHTTP1

extension HTTPTransport {
    /// Sends `request`, answering registry challenges (once), following redirects (bounded, with
    /// credentials only for the registry's own authority) and retrying 5xx, 429 and dropped
    /// connections with exponential backoff. Returns the final response, whatever its status.
    func send(
        _ request: RegistryRequest, tls: TLSSettings, auth: AuthContext?, headers extra: [String: [String]] = [:]
    ) async throws -> HTTPClientResponse {
        var url = request.url
        var method = request.method
        var body = request.body
        var scopes = request.scopes
        var attempt = 1
        var authRetried = false
        var visited: Set<String> = [url]
        while true {
            try checkCancellation()
            var outgoing = HTTPClientRequest(url: url)
            outgoing.method = method
            outgoing.headers = request.headers
            for (name, values) in extra where !outgoing.headers.contains(name: name) {
                for value in values { outgoing.headers.add(name: name, value: value) }
            }
            if !outgoing.headers.contains(name: "User-Agent") {
                outgoing.headers.add(name: "User-Agent", value: configuration.userAgent)
            }
            let sameAuthority = auth.map { Self.authority(of: url) == $0.authority } ?? false
            var sent: String?
            if let auth, sameAuthority {
                sent = try await auth.authorizer.authorization(host: auth.authority, tls: auth.tls, scopes: scopes)
                if let sent { outgoing.headers.replaceOrAdd(name: "Authorization", value: sent) }
            }
            switch body {
            case .bytes(let bytes):
                outgoing.body = .bytes(bytes)
            case .stream(let length, let make):
                outgoing.body = .stream(try await make(), length: .known(length))
            case nil:
                break
            }

            let response: HTTPClientResponse
            do {
                response = try await execute(outgoing, tls: tls)
            } catch let error as TransportError {
                if request.retry, error.isRetryable, attempt < configuration.maxAttempts {
                    try await backoff(attempt: attempt)
                    attempt += 1
                    continue
                }
                throw error.berthError
            }

            let status = response.status.code
            if status == 401, let auth, sameAuthority {
                let challenges = AuthChallenge.parse(response.headers["WWW-Authenticate"])
                if !authRetried {
                    await Self.drain(response)
                    scopes = try await auth.authorizer.challenged(
                        host: auth.authority, challenges: challenges, scopes: scopes, sent: sent)
                    authRetried = true
                    continue
                }
                if let sent, sent.hasPrefix("Basic ") {
                    // Refused twice with the same password: say so rather than "401".
                    await Self.drain(response)
                    _ = try await auth.authorizer.challenged(
                        host: auth.authority, challenges: challenges, scopes: scopes, sent: sent)
                }
                return response
            }
            if request.followRedirects, [301, 302, 303, 307, 308].contains(status) {
                guard let location = response.headers.first(name: "Location"),
                      let next = URL(string: location, relativeTo: URL(string: url))?.absoluteString
                else {
                    throw BerthError.unavailable("\(method) \(url): redirect \(status) without a usable Location")
                }
                await Self.drain(response)
                guard visited.count <= configuration.maxRedirects else {
                    throw BerthError.unavailable("\(method) \(request.url): more than \(configuration.maxRedirects) redirects")
                }
                guard visited.insert(next).inserted else {
                    throw BerthError.unavailable("\(method) \(request.url): redirect loop at \(next)")
                }
                if status == 303 || ((status == 301 || status == 302) && method != .GET && method != .HEAD) {
                    method = .GET
                    body = nil
                }
                url = next
                authRetried = false
                continue
            }
            if request.retry, (status >= 500 && status != 501) || status == 429, attempt < configuration.maxAttempts {
                await Self.drain(response)
                try await backoff(attempt: attempt)
                attempt += 1
                continue
            }
            return response
        }
    }

    /// Waits before try `attempt + 1`: doubling from initialBackoff up to maxBackoff, with jitter.
    func backoff(attempt: Int) async throws {
        let base = configuration.initialBackoff.nanoseconds
        let scaled = min(base.multipliedReportingOverflow(by: Int64(1) << min(attempt - 1, 20)).partialValue,
                         configuration.maxBackoff.nanoseconds)
        let jitter = Int64.random(in: 0...max(scaled / 4, 1))
        do {
            try await Task.sleep(for: .nanoseconds(scaled + jitter))
        } catch {
            throw BerthError(.canceled, "canceled while waiting to retry")
        }
    }

    /// Reads and drops a small body so the connection can be reused; large ones are abandoned.
    static func drain(_ response: HTTPClientResponse) async {
        _ = try? await response.body.collect(upTo: 1 << 16)
    }

    /// `host[:port]` of an absolute URL.
    static func authority(of url: String) -> String {
        guard let start = url.range(of: "://") else { return "" }
        let rest = url[start.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        return String(rest[..<end])
    }
}
