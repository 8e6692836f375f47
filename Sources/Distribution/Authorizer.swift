import BerthCore
import Foundation

/// Registry authentication as containerd's docker authorizer does it: nothing until a host
/// answers 401, then Basic with the host's credentials or Bearer tokens from the challenge's
/// realm (fetched with Basic credentials, or anonymously), cached per host and scope set until
/// `expires_in` runs out.
actor Authorizer {
    /// Fetches a token: GET `url` with optional `Authorization`, answering status and body.
    typealias TokenFetch = @Sendable (_ url: String, _ authorization: String?, _ tls: TLSSettings) async throws -> (status: UInt, body: [UInt8])

    enum Handler: Sendable {
        case basic(Credential)
        case bearer(realm: String, service: String?, credential: Credential?)
    }

    struct TokenKey: Hashable {
        var host: String
        var scopes: [String]
    }

    struct Token: Sendable {
        var value: String
        var expires: ContinuousClock.Instant
    }

    private let credentials: CredentialProvider?
    private let fetch: TokenFetch
    private var handlers: [String: Handler] = [:]
    private var tokens: [TokenKey: Task<Token, any Error>] = [:]

    init(credentials: CredentialProvider?, fetch: @escaping TokenFetch) {
        self.credentials = credentials
        self.fetch = fetch
    }

    /// The `Authorization` header for a request to `host` needing `scopes`, or nil before any challenge.
    func authorization(host: String, tls: TLSSettings, scopes: [String]) async throws -> String? {
        switch handlers[host] {
        case nil:
            return nil
        case .basic(let credential):
            return Self.basic(credential)
        case .bearer(let realm, let service, let credential):
            let key = TokenKey(host: host, scopes: Self.normalize(scopes))
            if let pending = tokens[key] {
                do {
                    let token = try await pending.value
                    if token.expires > .now { return "Bearer \(token.value)" }
                } catch {
                    if tokens[key] == pending { tokens[key] = nil }
                    throw error
                }
                if tokens[key] == pending { tokens[key] = nil }
            }
            let fetch = self.fetch
            let task = Task {
                try await Self.fetchToken(
                    realm: realm, service: service, scopes: key.scopes, credential: credential, tls: tls, fetch: fetch)
            }
            tokens[key] = task
            do {
                return "Bearer \(try await task.value.value)"
            } catch {
                if tokens[key] == task { tokens[key] = nil }
                throw error
            }
        }
    }

    /// Takes in a 401 from `host`. Returns the scopes to ask for on the retry (the request's plus
    /// any the challenge names); throws when the challenge cannot be answered.
    func challenged(host: String, challenges: [AuthChallenge], scopes: [String], sent: String?) async throws -> [String] {
        if let bearer = challenges.first(where: { $0.scheme == .bearer }) {
            guard let realm = bearer.parameters["realm"], !realm.isEmpty else {
                throw BerthError(.permissionDenied, "\(host) sent a Bearer challenge without a realm")
            }
            var wanted = scopes
            if let scope = bearer.parameters["scope"] {
                wanted += scope.split(separator: " ").map(String.init)
            }
            wanted = Self.normalize(wanted)
            // The token we sent was refused (expired or revoked early): forget it so the retry gets a fresh one.
            if let sent, sent.hasPrefix("Bearer ") {
                for key in [TokenKey(host: host, scopes: Self.normalize(scopes)), TokenKey(host: host, scopes: wanted)] {
                    tokens[key] = nil
                }
            }
            let credential = try await credentials?(host)
            handlers[host] = .bearer(realm: realm, service: bearer.parameters["service"], credential: credential)
            return wanted
        }
        if challenges.contains(where: { $0.scheme == .basic }) {
            if let sent, sent.hasPrefix("Basic ") {
                throw BerthError(.permissionDenied, "\(host): authentication failed: wrong user name or password")
            }
            guard let credential = try await credentials?(host) else {
                throw BerthError(
                    .permissionDenied, "\(host) requires authentication and no credentials were given (--user or docker config.json)")
            }
            handlers[host] = .basic(credential)
            return scopes
        }
        let names = challenges.map { "\($0.scheme)" }.joined(separator: ", ")
        throw BerthError(.permissionDenied, "\(host): unauthorized" + (names.isEmpty ? "" : " (unsupported authentication: \(names))"))
    }

    static func basic(_ credential: Credential) -> String {
        "Basic " + Data("\(credential.username):\(credential.secret)".utf8).base64EncodedString()
    }

    static func normalize(_ scopes: [String]) -> [String] {
        Array(Set(scopes.filter { !$0.isEmpty })).sorted()
    }

    /// The token endpoint's JSON: docker's `token`, OAuth's `access_token`.
    struct TokenResponse: Decodable {
        var token: String?
        var accessToken: String?
        var expiresIn: Int?

        enum CodingKeys: String, CodingKey {
            case token
            case accessToken = "access_token"
            case expiresIn = "expires_in"
        }
    }

    static func fetchToken(
        realm: String, service: String?, scopes: [String], credential: Credential?, tls: TLSSettings, fetch: TokenFetch
    ) async throws -> Token {
        guard var components = URLComponents(string: realm) else {
            throw BerthError(.permissionDenied, "invalid token realm \"\(realm)\"")
        }
        var query = components.queryItems ?? []
        if let service, !service.isEmpty { query.append(URLQueryItem(name: "service", value: service)) }
        for scope in scopes { query.append(URLQueryItem(name: "scope", value: scope)) }
        components.queryItems = query.isEmpty ? nil : query
        // URLComponents leaves ':' and '/' alone in queries, which registries accept; '+' must not pass as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.string else { throw BerthError(.permissionDenied, "invalid token realm \"\(realm)\"") }
        let issued = ContinuousClock.now
        let (status, body) = try await fetch(url, credential.map(basic), tls)
        guard status == 200 else {
            let detail = String(decoding: body.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let kind: BerthError.Kind = status == 401 || status == 403 ? .permissionDenied : .unavailable
            let what = credential == nil ? "anonymous token" : "token"
            throw BerthError(kind, "failed to fetch \(what) from \(realm): status \(status)" + (detail.isEmpty ? "" : ": \(detail)"))
        }
        let response: TokenResponse
        do {
            response = try JSONDecoder().decode(TokenResponse.self, from: Data(body))
        } catch {
            throw BerthError(.permissionDenied, "token from \(realm) is not valid JSON: \(error)")
        }
        guard let value = response.token ?? response.accessToken, !value.isEmpty else {
            throw BerthError(.permissionDenied, "token response from \(realm) has no token")
        }
        // The spec's default lifetime is 60 s; renew a little early so a token does not die in flight.
        let lifetime = Double(max(response.expiresIn ?? 60, 1))
        return Token(value: value, expires: issued + .milliseconds(Int64(lifetime * 900)))
    }
}
