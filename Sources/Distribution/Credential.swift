import BerthCore

/// A user name and secret (password or token) for one registry host.
public struct Credential: Sendable, Hashable {
    public var username: String
    public var secret: String

    public init(username: String, secret: String) {
        self.username = username
        self.secret = secret
    }

    /// ctr's `--user user:password`.
    public init(userFlag: String) throws {
        guard let colon = userFlag.firstIndex(of: ":"), colon != userFlag.startIndex else {
            throw BerthError.invalidArgument("--user must be \"user:password\"")
        }
        self.init(username: String(userFlag[..<colon]), secret: String(userFlag[userFlag.index(after: colon)...]))
    }
}

/// Gives the credentials for a registry host (`host[:port]` as requested, e.g. `registry-1.docker.io`),
/// or nil to go anonymously. Called only when a registry asks for authentication.
public typealias CredentialProvider = @Sendable (_ host: String) async throws -> Credential?
