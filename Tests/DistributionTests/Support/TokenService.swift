import NIOHTTP1
import Synchronization

@testable import Distribution

/// A token service and a registry that wants its tokens, emulated by a test server.
final class TokenService: Sendable {
    struct Settings: Sendable {
        var credentials: Credential?
        var expiresIn = 300
        /// A token stops working after this many registry requests (server-side expiry).
        var usesPerToken = Int.max
        var accessTokenField = false
    }

    struct TokenRequest: Sendable {
        var authorization: String?
        var scopes: [String]
        var service: String?
    }

    private struct State {
        var uses: [String: Int] = [:]
        var requests: [TokenRequest] = []
        var challenges = 0
    }

    let settings: Settings
    private let state = Mutex(State())

    init(_ settings: Settings) {
        self.settings = settings
    }

    var tokenRequests: [TokenRequest] { state.withLock { $0.requests } }
    var challenges: Int { state.withLock { $0.challenges } }

    /// Answers token requests and refuses registry requests without a live token.
    func handle(_ request: TestRequest, _ responder: TestResponder) async throws -> AfterResponse? {
        let host = request.headers.first(name: "Host") ?? "127.0.0.1"
        if request.path == "/token" {
            let authorization = request.headers.first(name: "Authorization")
            let scopes = request.query.filter { $0.0 == "scope" }.map(\.1)
            state.withLock {
                $0.requests.append(TokenRequest(authorization: authorization, scopes: scopes, service: request.query.first { $0.0 == "service" }?.1))
            }
            if let credentials = settings.credentials, authorization != Authorizer.basic(credentials) {
                try await responder.send(.unauthorized, body: Array(#"{"details":"bad credentials"}"#.utf8))
                return .keepAlive
            }
            let token = state.withLock { state -> String in
                let token = "tok-\(state.requests.count)"
                state.uses[token] = 0
                return token
            }
            let field = settings.accessTokenField ? "access_token" : "token"
            try await responder.send(
                .ok, [("Content-Type", "application/json")],
                body: Array(#"{"\#(field)":"\#(token)","expires_in":\#(settings.expiresIn)}"#.utf8))
            return .keepAlive
        }
        let presented = request.headers.first(name: "Authorization").flatMap { value -> String? in
            value.hasPrefix("Bearer ") ? String(value.dropFirst(7)) : nil
        }
        let accepted = state.withLock { state -> Bool in
            guard let presented, let uses = state.uses[presented], uses < settings.usesPerToken else {
                state.challenges += 1
                return false
            }
            state.uses[presented] = uses + 1
            return true
        }
        if accepted { return nil }
        try await responder.send(.unauthorized, [
            ("WWW-Authenticate", #"Bearer realm="http://\#(host)/token",service="fake-registry",scope="repository:\#(FakeRegistry.repository):pull""#),
            ("Content-Type", "application/json"),
        ], body: Array(#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.utf8))
        return .keepAlive
    }
}
