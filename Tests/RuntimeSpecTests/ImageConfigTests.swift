import Foundation
import OCI
import Testing

@testable import RuntimeSpec

@Suite("Image configs")
struct ImageConfigTests {
    private let configJSON = #"""
        {"architecture":"arm64","os":"linux","variant":"v8","created":"2024-01-01T00:00:00Z",
         "config":{"User":"alice","ExposedPorts":{"80/tcp":{},"443/tcp":{}},"Env":["PATH=/usr/bin","LANG=C"],
                   "Entrypoint":["/entry"],"Cmd":["serve","--port","80"],"Volumes":{"/data":{}},"WorkingDir":"/srv",
                   "Labels":{"k":"v"},"StopSignal":"SIGQUIT","OnBuild":null},
         "rootfs":{"type":"layers","diff_ids":["sha256:aa","sha256:bb"]},
         "history":[{"created_by":"x"}]}
        """#

    @Test("decodes the image-spec keys, keeps the platform fields, and round-trips")
    func decode() throws {
        let image = try JSONDecoder().decode(ImageConfig.self, from: Data(configJSON.utf8))
        #expect(image.architecture == "arm64" && image.os == "linux" && image.variant == "v8")
        let config = try #require(image.config)
        #expect(config.user == "alice")
        #expect(config.exposedPorts == ["443/tcp", "80/tcp"])
        #expect(config.env == ["PATH=/usr/bin", "LANG=C"])
        #expect(config.entrypoint == ["/entry"] && config.cmd == ["serve", "--port", "80"])
        #expect(config.volumes == ["/data"] && config.workingDir == "/srv")
        #expect(config.labels == ["k": "v"] && config.stopSignal == "SIGQUIT")
        #expect(image.rootfs == ImageConfig.RootFS(type: "layers", diffIDs: ["sha256:aa", "sha256:bb"]))
        let again = try JSONDecoder().decode(ImageConfig.self, from: JSONEncoder().encode(image))
        #expect(again == image)
    }

    @Test("Docker's nulls and a config without the new sections decode")
    func nulls() throws {
        let image = try JSONDecoder().decode(
            ImageConfig.self,
            from: Data(#"{"os":"linux","architecture":"amd64","config":{"Cmd":null,"Env":null,"ExposedPorts":null,"Volumes":null}}"#.utf8))
        #expect(image.config == ImageConfig.Container())
        let bare = try JSONDecoder().decode(ImageConfig.self, from: Data(#"{"os":"linux","architecture":"amd64"}"#.utf8))
        #expect(bare == ImageConfig(architecture: "amd64", os: "linux"))
    }

    @Test("imageConfig: image env under the caller's, entrypoint + cmd, cwd, user and groups")
    func apply() throws {
        let rootfs = try accountsRootfs()
        let image = try JSONDecoder().decode(ImageConfig.self, from: Data(configJSON.utf8))
        var spec = DefaultSpec.linux(namespace: "default", containerID: "c")
        try spec.apply(.env(["LANG=en_US.UTF-8", "EXTRA=1"]), .imageConfig(image, rootfs: rootfs.url))
        let process = try #require(spec.process)
        #expect(process.env == ["PATH=/usr/bin", "LANG=en_US.UTF-8", "EXTRA=1"])
        #expect(process.args == ["/entry", "serve", "--port", "80"])
        #expect(process.cwd == "/srv")
        #expect(process.user == Spec.User(uid: 1000, gid: 1000, additionalGids: [1000, 10, 100]))
    }

    @Test("args replace cmd but keep the entrypoint; ctr's args afterwards replace everything")
    func args() throws {
        let rootfs = try accountsRootfs()
        let image = ImageConfig(config: ImageConfig.Container(entrypoint: ["/entry"], cmd: ["default"]))
        var spec = DefaultSpec.linux(namespace: "default", containerID: "c")
        try spec.apply(.imageConfig(image, rootfs: rootfs.url, args: ["other", "arg"]))
        #expect(spec.process?.args == ["/entry", "other", "arg"])
        try spec.apply(.processArgs(["sh"]))
        #expect(spec.process?.args == ["sh"])
    }

    @Test("no env, cwd or user in the image: default PATH, /, root with root's groups")
    func defaults() throws {
        let rootfs = try accountsRootfs()
        var spec = DefaultSpec.linux(namespace: "default", containerID: "c")
        try spec.apply(.imageConfig(ImageConfig(config: ImageConfig.Container(cmd: ["sh"])), rootfs: rootfs.url))
        #expect(spec.process?.env == [DefaultSpec.pathEnv])
        #expect(spec.process?.cwd == "/")
        #expect(spec.process?.args == ["sh"])
        #expect(spec.process?.user == Spec.User(uid: 0, gid: 0, additionalGids: [0, 10]))

        var empty = DefaultSpec.linux(namespace: "default", containerID: "c")
        try empty.apply(.imageConfig(ImageConfig(), rootfs: try TemporaryDirectory().url))
        #expect(empty.process?.args == [] && empty.process?.user.additionalGids == [0])
    }

    @Test("an image user missing from the rootfs fails; a spec without linux is refused")
    func failures() throws {
        let rootfs = try accountsRootfs()
        let image = ImageConfig(config: ImageConfig.Container(user: "nobody"))
        var spec = DefaultSpec.linux(namespace: "default", containerID: "c")
        #expect(throws: SpecError.noUsersFound(user: "nobody")) { try spec.apply(.imageConfig(image, rootfs: rootfs.url)) }
        var bare = Spec()
        #expect(throws: SpecError.linuxSectionRequired) { try bare.apply(.imageConfig(image, rootfs: rootfs.url)) }
    }
}
