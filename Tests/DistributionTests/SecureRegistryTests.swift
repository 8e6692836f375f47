import BerthCore
import Foundation
import Testing

@testable import Distribution

/// docker-registry behind TLS with a private CA, and behind htpasswd Basic auth.
@Suite struct SecureRegistryTests {
    @Test func tlsWithAPrivateCA() async throws {
        try await withTemporaryDirectory { directory in
            let certificates = try await Certificates.make(in: directory)
            try await RegistryFixture.with(tls: .init(certificate: certificates.certificate, key: certificates.key)) { fixture in
                let address = fixture.registry.address
                let reference = try fixture.reference("amd64")
                func hosts(_ name: String, _ toml: String) throws -> RegistryHosts {
                    let root = directory + "/" + name
                    try writeFile("\(root)/\(address)/hosts.toml", toml)
                    return RegistryHosts(configDirectory: root)
                }

                // hosts.toml names the CA (relative to its directory).
                try FileManager.default.createDirectory(atPath: "\(directory)/with-ca/\(address)", withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: certificates.ca, toPath: "\(directory)/with-ca/\(address)/ca.pem")
                let withCA = try hosts("with-ca", "server = \"https://\(address)\"\nca = \"ca.pem\"\n")
                try await withClient(hosts: withCA) { client in
                    let result = try await ImagePuller(client: client, sink: try fixture.makeSink("ca")).pull(reference)
                    #expect(result.blobs.count == 2)
                }

                // Without it the handshake fails and says how to fix it.
                let noCA = try hosts("no-ca", "server = \"https://\(address)\"\n")
                try await withClient(hosts: noCA) { client in
                    let error = await expectBerthError(.unavailable, containing: "TLS handshake with \(address) failed") {
                        try await client.resolve(reference)
                    }
                    #expect(error?.message.contains("ca") == true)
                }

                // skip_verify accepts the unknown certificate; so does --skip-verify with the default host.
                let skip = try hosts("skip", "server = \"https://\(address)\"\nskip_verify = true\n")
                try await withClient(hosts: skip) { client in
                    let resolved = try await client.resolve(reference)
                    #expect(resolved.descriptor.size > 0)
                }
                let flags = RegistryHosts(configDirectory: directory + "/absent", plainHTTP: false, skipVerify: true)
                try writeFile("\(directory)/https-default/\(address)/hosts.toml", "server = \"https://\(address)\"\n")
                let flagged = RegistryHosts(configDirectory: directory + "/https-default", skipVerify: true)
                try await withClient(hosts: flagged) { client in
                    let resolved = try await client.resolve(reference)
                    #expect(resolved.descriptor.size > 0)
                }
                // Loopback registries default to plain HTTP, which a TLS server refuses.
                try await withClient(hosts: flags) { client in
                    await expectBerthError(.invalidArgument, containing: "400 Bad Request") { try await client.resolve(reference) }
                }
            }
        }
    }

    @Test func basicAuthWithHtpasswd() async throws {
        try await withTemporaryDirectory { directory in
            let htpasswd = directory + "/htpasswd"
            let entry = try await run("/usr/bin/htpasswd", ["-Bbn", "berth", "s3cret"]).stdout
            try entry.write(to: URL(fileURLWithPath: htpasswd))
            try await RegistryFixture.with(htpasswd: htpasswd, credentials: "berth:s3cret") { fixture in
                let reference = try fixture.reference("amd64")
                let good: CredentialProvider = { _ in Credential(username: "berth", secret: "s3cret") }
                try await withClient(credentials: good) { client in
                    let sink = try fixture.makeSink()
                    let result = try await ImagePuller(client: client, sink: sink).pull(reference)
                    #expect(result.blobs.allSatisfy { sink.bytes($0.digest) != nil })
                    let pushed = try await ImagePusher(client: client, source: sink).push(result.root, to: try fixture.reference("v2", repository: "pushed/back"))
                    #expect(pushed.outcomes.values.allSatisfy { $0 == .mounted(from: RegistryFixture.repository) })
                }
                try await withClient { client in
                    await expectBerthError(.permissionDenied, containing: "no credentials") { try await client.resolve(reference) }
                }
                let asked = Observed()
                let wrong: CredentialProvider = { host in
                    asked.add(host, "")
                    return Credential(username: "berth", secret: "wrong")
                }
                try await withClient(credentials: wrong) { client in
                    await expectBerthError(.permissionDenied, containing: "wrong user name or password") { try await client.resolve(reference) }
                }
                #expect(asked.all.map { $0[0] } == [fixture.registry.address])
            }
        }
    }
}
