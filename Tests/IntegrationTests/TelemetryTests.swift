import Foundation
import Testing

/// Operability (issue 9): the Prometheus endpoint after a pull and a run, traces sent to an OTLP collector on
/// loopback, and `berth info` / `plugins ls` telling which optional plugins are off and why.
@Suite(.serialized, .imageFixtures) struct TelemetryTests {
    static func daemon(config: String) throws -> DaemonProcess {
        let path = "/tmp/berth-it-telemetry-\(UUID().uuidString.prefix(8)).toml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try DaemonProcess(extraArguments: ["--config", path])
    }

    /// The port berthd bound for `[metrics] address = "127.0.0.1:0"`, from its log.
    static func metricsPort(_ daemon: DaemonProcess) -> Int? {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let line = daemon.log.split(separator: "\n").first(where: { $0.contains("metrics serving") }),
                let match = line.firstMatch(of: /127\.0\.0\.1:(\d+)/)
            {
                return Int(match.1)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }

    static func scrape(_ port: Int) throws -> String {
        let result = try Command.run(URL(fileURLWithPath: "/usr/bin/curl"), ["-sf", "http://127.0.0.1:\(port)/v1/metrics"])
        guard result.status == 0 else { throw TestFailure("scrape failed: \(result)") }
        return result.stdout
    }

    /// The value of the sample whose line starts with `series` (name and labels as Prometheus prints them).
    static func value(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func metricsEndpointCountsRequestsPullsAndContainers() throws {
        let fixtures = try ImageFixtures.current()
        let registry = try LocalRegistry()
        defer { registry.stop() }
        try registry.push(layout: fixtures.layout, tag: "latest", to: "berth/metrics:1")
        let daemon = try Self.daemon(config: "[metrics]\naddress = \"127.0.0.1:0\"\n")
        let id = "metrics-\(UUID().uuidString.prefix(6).lowercased())"
        defer {
            _ = try? daemon.ctr(["t", "kill", "-s", "KILL", id])
            _ = try? daemon.ctr(["t", "rm", "-f", id])
            _ = try? daemon.ctr(["c", "rm", id])
            daemon.release()
        }
        let port = try #require(Self.metricsPort(daemon), "\(daemon.log)")
        let reference = "\(registry.address)/berth/metrics:1"
        let pulled = try ClientTool.berth.run(daemon, ["images", "pull", "--plain-http", reference], timeout: 120)
        #expect(pulled.status == 0, "\(pulled)")
        let started = try ClientTool.berth.run(daemon, ["run", "-d", reference, id, "sleep", "1000"])
        #expect(started.status == 0, "\(started)")

        let text = try Self.scrape(port)
        let pull = "grpc_server_handled_total{grpc_service=\"berth.services.transfer.v1.Transfer\",grpc_method=\"Pull\",grpc_code=\"OK\"}"
        #expect((Self.value(text, pull) ?? 0) >= 1, "\(text)")
        #expect(text.contains("grpc_server_handling_seconds_bucket{grpc_service=\"containerd.services.tasks.v1.Tasks\",grpc_method=\"Start\""), "\(text)")
        #expect(Self.value(text, "berth_pulls_total{outcome=\"completed\"}") == 1, "\(text)")
        #expect((Self.value(text, "berth_pull_fetched_bytes_total") ?? 0) > 0, "\(text)")
        #expect(Self.value(text, "berth_containers{namespace=\"default\"}") == 1, "\(text)")
        #expect(Self.value(text, "berth_tasks{namespace=\"default\"}") == 1, "\(text)")
        #expect((Self.value(text, "berth_content_blobs{namespace=\"default\"}") ?? 0) >= 3, "\(text)")
        #expect((Self.value(text, "container_pids_current{container_id=\"\(id)\",namespace=\"default\"}") ?? 0) >= 1, "\(text)")
        #expect((Self.value(text, "process_resident_memory_bytes") ?? 0) > 1_000_000, "\(text)")
        let missing = try Command.run(URL(fileURLWithPath: "/usr/bin/curl"), ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/nothing"])
        #expect(missing.stdout == "404")

        // A removed container's gauges go with it.
        #expect(try daemon.ctr(["t", "kill", "-s", "KILL", id]).status == 0)
        #expect(try daemon.ctr(["t", "rm", "-f", id]).status == 0)
        let after = try Self.scrape(port)
        #expect(!after.contains("container_id=\"\(id)\""), "\(after)")
    }

    @Test func tracesReachAnOTLPCollector() throws {
        let fixtures = try ImageFixtures.current()
        let registry = try LocalRegistry()
        defer { registry.stop() }
        try registry.push(layout: fixtures.layout, tag: "latest", to: "berth/traced:1")
        let collector = try CollectorSink()
        defer { collector.stop() }
        let daemon = try Self.daemon(config: """
            [plugins."io.containerd.tracing.processor.v1.otlp"]
              endpoint = "\(collector.endpoint)"
            [plugins."io.containerd.internal.v1.tracing"]
              service_name = "berthd-under-test"
            """)
        defer { daemon.release() }
        #expect(try ClientTool.ctr.run(daemon, ["version"]).status == 0)
        #expect(try ClientTool.berth.run(daemon, ["namespaces", "create", "traced"]).status == 0)
        // Fails with NotFound (ctr reports it and exits 0): the span records the status.
        #expect(try ClientTool.ctr.run(daemon, ["images", "rm", "no-such-image"]).stderr.contains("not found"))
        let reference = "\(registry.address)/berth/traced:1"
        #expect(try ClientTool.berth.run(daemon, ["images", "pull", "--plain-http", reference], timeout: 120).status == 0)
        let id = "traced-\(UUID().uuidString.prefix(6).lowercased())"
        let ran = try ClientTool.berth.run(daemon, ["run", "--rm", reference, id, "true"])
        #expect(ran.status == 0, "\(ran)")
        func exported() -> Data { collector.bodies(path: "/v1/traces").reduce(Data(), +) }
        func contains(_ text: String) -> Bool { exported().range(of: Data(text.utf8)) != nil }
        let expected = [
            "containerd.services.version.v1.Version/Version", "containerd.services.namespaces.v1.Namespaces/Create",
            "containerd.services.images.v1.Images/Delete", "berth.services.transfer.v1.Transfer/Pull",
            "berth.transfer.pull", "containerd.services.tasks.v1.Tasks/Start", "containerd.task.v2.Task/Start",
        ]
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline && !expected.allSatisfy(contains) {
            Thread.sleep(forTimeInterval: 0.2)
        }
        for name in expected { #expect(contains(name), "no span \(name)") }
        #expect(contains("berthd-under-test"), "the service name is missing")
        #expect(contains("rpc.grpc.status_code"))
    }

    @Test(arguments: ClientTool.allCases)
    func pluginsThatAreOffSayWhy(_ tool: ClientTool) throws {
        let daemon = try DaemonProcess()
        defer { daemon.release() }
        let listed = try tool.run(daemon, ["plugins", "ls"])
        let rows = listed.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.contains(["io.containerd.tracing.processor.v1", "otlp", "-", "skip"]), "\(listed)")
        #expect(rows.contains(["io.berth.metrics.v1", "prometheus", "-", "skip"]), "\(listed)")
        #expect(rows.contains(["io.containerd.snapshotter.v1", "overlayfs", "linux/amd64", "ok"]), "\(listed)")
        let detailed = try tool.run(daemon, ["plugins", "ls", "-d", "id==otlp"])
        #expect(detailed.stdout.contains("skip plugin: otlp endpoint not configured"), "\(detailed)")
        guard tool == .berth else { return }
        let info = try ClientTool.berth.run(daemon, ["info"])
        #expect(info.status == 0, "\(info)")
        #expect(info.stdout.contains("Address:   \(daemon.socket)"), "\(info)")
        #expect(info.stdout.contains(daemon.root + "/io.containerd.content.v1.content"), "\(info)")
        #expect(info.stdout.contains(daemon.state + "/io.containerd.runtime.v2.task"), "\(info)")
        #expect(info.stdout.contains("skip: io.containerd.tracing.processor.v1.otlp: skip plugin: otlp endpoint not configured"), "\(info)")
    }
}
