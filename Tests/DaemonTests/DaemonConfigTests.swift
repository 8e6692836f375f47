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

    /// `config default` loads back to the defaults, and a configuration with every key set round-trips through
    /// `config dump` unchanged.
    @Test func defaultAndDumpRoundTrip() throws {
        let defaults = DaemonConfig().toml()
        var loaded = DaemonConfig()
        #expect(try loaded.apply(toml: defaults, source: "default").isEmpty)
        #expect(loaded == DaemonConfig())
        #expect(loaded.toml() == defaults)

        var custom = DaemonConfig()
        custom.root = "/srv/berth \"quoted\""
        custom.state = "/run/b"
        custom.address = "/run/b/b.sock"
        custom.ttrpcAddressSetting = "/run/b/events.sock"
        custom.socketUID = 0
        custom.socketGID = 998
        custom.eventLoops = 4
        custom.logLevel = .trace
        custom.logFormat = .json
        custom.metricsAddress = "127.0.0.1:9100"
        custom.defaultRuntime = "io.containerd.berth.v1"
        var reloaded = DaemonConfig()
        #expect(try reloaded.apply(toml: custom.toml(), source: "dump").isEmpty)
        #expect(reloaded == custom)
        #expect(reloaded.toml() == custom.toml())
    }

    @Test func unknownKeysAreWarnedNotFatal() throws {
        var config = DaemonConfig()
        let warnings = try config.apply(
            toml: """
                oom_score = -999
                root = "/r"
                [grpc]
                adress = "/typo.sock"
                [plugins."io.containerd.grpc.v1.cri"]
                sandbox_image = "pause"
                [plugins."io.containerd.runtime.v2.task"]
                default_runtime_name = "io.containerd.berth.v1"
                """, source: "c.toml")
        #expect(config.root == "/r")
        #expect(config.defaultRuntime == "io.containerd.berth.v1")
        #expect(warnings == [
            "config file c.toml: unknown key grpc.adress is ignored",
            "config file c.toml: unknown key oom_score is ignored",
            "config file c.toml: unknown key plugins.\"io.containerd.grpc.v1.cri\" is ignored",
        ])
    }

    @Test func invalidValuesNameTheirKey() {
        for (toml, key) in [
            ("[debug]\nformat = \"xml\"", "debug.format"),
            ("[debug]\nlevel = \"loud\"", "debug.level"),
            ("[plugins.\"io.containerd.runtime.v2.task\"]\ndefault_runtime_name = \"\"", "default_runtime_name"),
            ("[metrics]\naddress = 9100", "metrics.address"),
            ("[metrics]\naddress = \"localhost\"", "metrics.address"),
            ("[plugins.\"io.containerd.internal.v1.tracing\"]\nsampling_ratio = 2.0", "sampling_ratio"),
            ("[plugins.\"io.containerd.tracing.processor.v1.otlp\"]\nprotocol = \"udp\"", "protocol"),
            ("[grpc]\ngid = -1", "grpc.gid"),
            ("[grpc]\nevent_loops = 0", "grpc.event_loops"),
            ("[grpc]\nevent_loops = \"two\"", "grpc.event_loops"),
            ("version = 1", "version"),
        ] {
            var config = DaemonConfig()
            do {
                try config.apply(toml: toml, source: "t.toml")
                Issue.record("\(toml) was accepted")
            } catch let error as BerthError {
                #expect(error.kind == .invalidArgument)
                #expect(error.message.contains(key), "\(error.message)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func sigusr1LevelSwitchTogglesDebug() {
        let levels = LogLevelSwitch(.info)
        #expect(levels.toggleDebug() == .debug)
        #expect(levels.level == .debug)
        #expect(levels.toggleDebug() == .info)
        #expect(LogLevelSwitch(.trace).toggleDebug() == .trace)
    }
}
