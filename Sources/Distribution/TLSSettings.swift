/// How to talk TLS to one host. Hosts with equal settings share one HTTP client (and its connections).
public struct TLSSettings: Sendable, Hashable {
    /// A client certificate and its key (nil: the key is in the certificate file).
    public struct ClientCertificate: Sendable, Hashable {
        public var certificatePath: String
        public var keyPath: String?

        public init(certificatePath: String, keyPath: String? = nil) {
            self.certificatePath = certificatePath
            self.keyPath = keyPath
        }
    }

    /// PEM files trusted in addition to the system's roots.
    public var caFiles: [String]
    public var clientCertificates: [ClientCertificate]
    /// Accept any server certificate (hosts.toml `skip_verify`, ctr's `--skip-verify`).
    public var skipVerify: Bool

    public init(caFiles: [String] = [], clientCertificates: [ClientCertificate] = [], skipVerify: Bool = false) {
        self.caFiles = caFiles
        self.clientCertificates = clientCertificates
        self.skipVerify = skipVerify
    }
}
