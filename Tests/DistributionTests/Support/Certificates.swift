import Foundation

/// A private CA and a server certificate for 127.0.0.1 signed by it, made with openssl.
struct Certificates: Sendable {
    let ca: String
    let certificate: String
    let key: String

    static func make(in directory: String) async throws -> Certificates {
        let openssl = "/usr/bin/openssl"
        let ca = directory + "/ca.pem"
        let caKey = directory + "/ca.key"
        let key = directory + "/server.key"
        let request = directory + "/server.csr"
        let certificate = directory + "/server.pem"
        let extensions = directory + "/server.ext"
        try await run(openssl, [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", caKey,
            "-out", ca, "-days", "2", "-subj", "/CN=Berth Test CA",
        ])
        try await run(openssl, [
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
            "-out", request, "-subj", "/CN=127.0.0.1",
        ])
        try writeFile(extensions, "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        try await run(openssl, [
            "x509", "-req", "-in", request, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", certificate,
            "-days", "2", "-extfile", extensions,
        ])
        return Certificates(ca: ca, certificate: certificate, key: key)
    }
}
