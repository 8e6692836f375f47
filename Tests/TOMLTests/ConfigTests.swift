import Testing
import TOML

@Suite struct ConfigTests {
    @Test func containerdConfig() throws {
        let t = try TOMLTable(parsing: """
            version = 2
            root = "/var/lib/berth"
            [grpc]
              address = "/run/berth/berth.sock"
              gid = 4242
            [plugins."io.containerd.runtime.v2.task"]
              default_runtime_name = "io.containerd.runc.v2"
            [plugins."io.containerd.internal.v1.tracing"]
              sampling_ratio = 0.5

            """)
        let grpc = try TOMLTable(parsing: "address = \"/run/berth/berth.sock\"\ngid = 4242")
        #expect(t.keys == ["version", "root", "grpc", "plugins"])
        #expect(t["version"]?.int == 2)
        #expect(t["root"]?.string == "/var/lib/berth")
        #expect(t["grpc"] == .table(grpc))
        #expect(t.at("plugins")?.table?.keys == ["io.containerd.runtime.v2.task", "io.containerd.internal.v1.tracing"])
        #expect(t.at("plugins", "io.containerd.runtime.v2.task", "default_runtime_name")?.string == "io.containerd.runc.v2")
        #expect(t.at("plugins", "io.containerd.internal.v1.tracing", "sampling_ratio")?.double == 0.5)
    }

    @Test func hostsToml() throws {
        let t = try TOMLTable(parsing: """
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
            """)
        #expect(t.keys == ["server", "host"])
        #expect(t["server"] == .string("https://registry-1.docker.io"))
        let hosts = try #require(t["host"]?.table)
        #expect(hosts.keys == ["https://zz-mirror.example.com", "http://aa-mirror.example.com:8080/custom/path"])
        let zz = try #require(hosts["https://zz-mirror.example.com"]?.table)
        #expect(zz.keys == ["capabilities", "ca", "skip_verify", "header"])
        #expect(zz["capabilities"] == .array([.string("pull"), .string("resolve")]))
        #expect(zz["ca"] == .string("mirror-ca.pem"))
        #expect(zz["skip_verify"] == .boolean(false))
        #expect(zz.at("header", "x-custom") == .string("one"))
        #expect(zz.at("header", "x-list") == .array([.string("a"), .string("b")]))
        let aa = try #require(hosts["http://aa-mirror.example.com:8080/custom/path"]?.table)
        #expect(aa.keys == ["capabilities", "override_path", "client"])
        #expect(aa["capabilities"] == .array([.string("pull")]))
        #expect(aa["override_path"]?.bool == true)
        #expect(aa["client"] == .array([.array([.string("/abs/client.cert"), .string("client.key")])]))
    }
}
