/// Who signs requests to one registry host: the authorizer, the host's `host[:port]` (requests to
/// any other authority, e.g. after a redirect to storage, go without credentials) and its TLS setup.
struct AuthContext: Sendable {
    let authorizer: Authorizer
    let authority: String
    let tls: TLSSettings
}
