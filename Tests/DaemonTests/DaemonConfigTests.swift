import BerthCore
import Foundation
import Logging
import Testing

@testable import Daemon

@Suite struct DaemonConfigTests {
    @Test func defaultsAreEmbedded() {
        let config = DaemonConfig()
        #expect(config.root == "/var/lib/berth")
        #expect(config.state == "/run/berth")
        #expect(config.address == "/run/berth/berth.sock")
        #expect(config.logLevel == .info)
    }

    @Test func fileKeysOverrideDefaultsAndEveryKeyIsOptional() throws {
        var config = DaemonConfig()
        try config.apply(toml: "", source: "empty")
        #expect(config == DaemonConfig())
        try config.apply(
            toml: """
                version = 2
                root = "/tmp/r"
                [grpc]
                address = "/tmp/s.sock"
                gid = 42
                [debug]
                level = "debug"
                """, source: "test")
        #expect(config.root == "/tmp/r")
        #expect(config.state == "/run/berth")
        #expect(config.address == "/tmp/s.sock")
        #expect(config.socketGID == 42)
        #expect(config.logLevel == .debug)
    }

    @Test func malformedFileIsAClearError() throws {
        var config = DaemonConfig()
        do {
            try config.apply(toml: "root = \"/x\"\n[grpc\naddress = 1", source: "bad.toml")
            Issue.record("expected an error")
        } catch let error as BerthError {
            #expect(error.kind == .invalidArgument)
            #expect(error.message.hasPrefix("config file bad.toml: line 2"))
        }
    }

    @Test func wrongTypeNamesTheKey() throws {
        var config = DaemonConfig()
        do {
            try config.apply(toml: "[grpc]\naddress = 5", source: "t.toml")
            Issue.record("expected an error")
        } catch let error as BerthError {
            #expect(error.message.contains("grpc.address"))
        }
    }

    @Test func unknownLogLevelAndVersionAreRejected() throws {
        var config = DaemonConfig()
        #expect(throws: BerthError.self) { try config.apply(toml: "[debug]\nlevel = \"loud\"", source: "t") }
        #expect(throws: BerthError.self) { try config.apply(toml: "version = 3", source: "t") }
        #expect(try DaemonConfig.parseLogLevel("warn", source: "x") == .warning)
    }

    @Test func missingFileIsFineUnlessAsked() throws {
        var config = DaemonConfig()
        try config.apply(fileAt: "/nonexistent/berth.toml", required: false)
        #expect(throws: BerthError.self) { try config.apply(fileAt: "/nonexistent/berth.toml", required: true) }
    }

    @Test func relativeOrOverlongPathsAreRejected() {
        var config = DaemonConfig()
        config.root = "relative"
        #expect(throws: BerthError.self) { try config.validate() }
        config = DaemonConfig()
        config.address = "/" + String(repeating: "s", count: 120)
        #expect(throws: BerthError.self) { try config.validate() }
    }
}
