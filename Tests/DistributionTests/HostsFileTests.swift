import BerthCore
import Foundation
import Testing

@testable import Distribution

@Suite struct HostsFileTests {
    @Test func defaultsWithoutConfiguration() throws {
        let hosts = RegistryHosts(configDirectory: nil)
        let hub = try hosts.hosts(for: "docker.io")
        #expect(hub.map(\.baseURL) == ["https://registry-1.docker.io/v2"])
        #expect(hub[0].capabilities == .all)
        #expect(try hosts.hosts(for: "quay.io").map(\.baseURL) == ["https://quay.io/v2"])
        #expect(try hosts.hosts(for: "localhost:5000").map(\.baseURL) == ["http://localhost:5000/v2"])
        #expect(try hosts.hosts(for: "127.0.0.1:5000").map(\.baseURL) == ["http://127.0.0.1:5000/v2"])
        let plain = RegistryHosts(configDirectory: nil, plainHTTP: true, skipVerify: true)
        #expect(try plain.hosts(for: "quay.io").map(\.baseURL) == ["http://quay.io/v2"])
        #expect(try plain.hosts(for: "docker.io").map(\.baseURL) == ["https://registry-1.docker.io/v2"])
        #expect(try plain.hosts(for: "quay.io")[0].tls.skipVerify)
    }

    @Test func mirrorsInFileOrderThenTheServer() async throws {
        try await withTemporaryDirectory { root in
            try writeFile(root + "/docker.io/hosts.toml", """
                server = "https://registry-1.docker.io"

                [host."https://zz-mirror.example.com"]
                  capabilities = ["pull", "resolve"]
                  ca = "mirror-ca.pem"
                  skip_verify = false
                  [host."https://zz-mirror.example.com".header]
                    x-custom = "one"
                    x-list = ["a", "b"]

                [host."http://aa-mirror.example.com:8080/custom/path"]
                  capabilities = ["pull"]
                  override_path = true
                  client = [["/abs/client.cert", "client.key"]]

                [host."mirror3.example.com"]
                  ca = ["/etc/ca1.pem", "ca2.pem"]
                  client = "solo.pem"
                  skip_verify = true
                """)
            let hosts = try RegistryHosts(configDirectory: root).hosts(for: "docker.io")
            #expect(hosts.map(\.baseURL) == [
                "https://zz-mirror.example.com/v2", "http://aa-mirror.example.com:8080/custom/path",
                "https://mirror3.example.com/v2", "https://registry-1.docker.io/v2",
            ])
            #expect(hosts[0].capabilities == [.pull, .resolve])
            #expect(hosts[0].tls.caFiles == [root + "/docker.io/mirror-ca.pem"])
            #expect(hosts[0].tls.skipVerify == false)
            #expect(hosts[0].headers == ["x-custom": ["one"], "x-list": ["a", "b"]])
            #expect(hosts[1].capabilities == [.pull])
            #expect(hosts[1].tls.clientCertificates == [
                .init(certificatePath: "/abs/client.cert", keyPath: root + "/docker.io/client.key"),
            ])
            #expect(hosts[2].tls.caFiles == ["/etc/ca1.pem", root + "/docker.io/ca2.pem"])
            #expect(hosts[2].tls.clientCertificates == [.init(certificatePath: root + "/docker.io/solo.pem")])
            #expect(hosts[2].tls.skipVerify)
            #expect(hosts[3].capabilities == .all)
        }
    }

    @Test func hostWithPortDirectoryAndDefaultFallback() async throws {
        try await withTemporaryDirectory { root in
            try writeFile(root + "/registry.local:5000/hosts.toml", """
                [host."http://127.0.0.1:9999"]
                  capabilities = ["pull", "resolve", "push"]
                """)
            try writeFile(root + "/_default/hosts.toml", """
                server = "https://fallback.example.com/prefix"
                """)
            let config = RegistryHosts(configDirectory: root)
            // No server line: the registry itself comes last with the usual defaults.
            #expect(try config.hosts(for: "registry.local:5000").map(\.baseURL) == [
                "http://127.0.0.1:9999/v2", "https://registry.local:5000/v2",
            ])
            #expect(try config.hosts(for: "other.io").map(\.baseURL) == ["https://fallback.example.com/prefix/v2"])
        }
    }

    @Test func certificateFilesWithoutHostsToml() async throws {
        try await withTemporaryDirectory { root in
            try writeFile(root + "/certs.example.com/ca.crt", "x")
            try writeFile(root + "/certs.example.com/client.cert", "x")
            try writeFile(root + "/certs.example.com/client.key", "x")
            let hosts = try RegistryHosts(configDirectory: root).hosts(for: "certs.example.com")
            #expect(hosts.count == 1)
            #expect(hosts[0].tls.caFiles == [root + "/certs.example.com/ca.crt"])
            #expect(hosts[0].tls.clientCertificates == [
                .init(certificatePath: root + "/certs.example.com/client.cert", keyPath: root + "/certs.example.com/client.key"),
            ])
        }
    }

    @Test func badFilesSayWhatIsWrong() async throws {
        try await withTemporaryDirectory { root in
            try writeFile(root + "/a.io/hosts.toml", "server = [")
            try writeFile(root + "/b.io/hosts.toml", """
                [host."https://m.b.io"]
                  capabilities = ["pull", "fly"]
                """)
            try writeFile(root + "/c.io/hosts.toml", "skip_verify = \"yes\"")
            let config = RegistryHosts(configDirectory: root)
            await expectBerthError(.invalidArgument, containing: "hosts.toml") { try config.hosts(for: "a.io") }
            await expectBerthError(.invalidArgument, containing: "unknown capability fly") { try config.hosts(for: "b.io") }
            await expectBerthError(.invalidArgument, containing: "skip_verify must be a boolean") { try config.hosts(for: "c.io") }
        }
    }
}
