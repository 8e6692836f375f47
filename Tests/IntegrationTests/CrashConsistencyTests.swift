import Foundation
import Testing

/// berthd killed with SIGKILL at named points between the steps of content writes and commits, pulls, unpacks,
/// snapshot changes, container creation, task start and delete, and garbage collection; and at moments in a
/// slow pull. After each restart the store must be consistent (`berth admin check`, `ctr images check`, no
/// half-applied layer, no leaked shim or mount), a container started at the beginning still runs, and the
/// interrupted operation works when tried again.
@Suite(.serialized, .imageFixtures) struct CrashConsistencyTests {
    /// A named crash point, what is set up before it on a healthy daemon, the operation that reaches it, and
    /// what must hold (and work) after the restart.
    struct Scenario {
        var point: String
        var arrange: (CrashHarness) throws -> Void = { _ in }
        var act: (CrashHarness) throws -> Void
        var afterRestart: (CrashHarness) throws -> Void
    }

    @Test func everyCrashPointLeavesAConsistentStore() throws {
        let fixtures = try ImageFixtures.current()
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let harness = try CrashHarness(namespace: "crash")
        defer { harness.release() }
        try harness.ctrOK(["images", "import", fixtures.ociArchive], timeout: 120)
        try harness.startKeeper(image: fixtures.latest.name)

        let scenarios = try Self.contentScenarios(files: harness.base) + Self.pullScenarios(registry)
            + Self.snapshotScenarios(layer: fixtures.latest.diffID)
            + Self.containerScenarios(image: fixtures.latest.name) + Self.collectionScenarios(registry)
        var survived = 0
        for scenario in scenarios {
            do {
                try scenario.arrange(harness)
                let died = try harness.crash(at: scenario.point) { try scenario.act(harness) }
                #expect(died, "berthd did not die at \(scenario.point):\n\(harness.daemon.log.suffix(3000))")
                let problems = try harness.problems()
                #expect(problems.isEmpty, "after a crash at \(scenario.point): \(problems)")
                try scenario.afterRestart(harness)
                let afterRetry = try harness.problems()
                #expect(afterRetry.isEmpty, "after retrying what \(scenario.point) interrupted: \(afterRetry)")
                if died && problems.isEmpty && afterRetry.isEmpty { survived += 1 }
            } catch {
                Issue.record("crash point \(scenario.point): \(error)")
            }
        }
        print("crash consistency: \(scenarios.count) kill points tried, \(survived) survived")
        #expect(survived == scenarios.count)
    }

    /// berthd killed three times while it downloads a layer slowly: after each restart the store is consistent and
    /// the layer's ingest has kept what arrived; the last pull fetches only the rest, and the image runs.
    @Test func killsDuringASlowPullLoseNoDownloadedBytes() throws {
        let fixtures = try ImageFixtures.current()
        let registry = try LocalRegistry()
        defer { registry.stop() }
        try ImageFixtures.pushUniqueImage(to: registry, repository: "crash/slow", payloadBytes: 4 << 20)
        // About six seconds for the layer.
        let proxy = try ThrottlingProxy(upstream: registry.address, bytesPerSecond: 800 << 10)
        defer { proxy.stop() }
        let harness = try CrashHarness(namespace: "crash-pull")
        defer { harness.release() }
        try harness.ctrOK(["images", "import", fixtures.ociArchive], timeout: 120)
        try harness.startKeeper(image: fixtures.latest.name)
        let reference = "\(proxy.address)/crash/slow:1"

        var kept: [Int64] = []
        for round in 1...3 {
            let pull = try Background(
                Binaries.berth, ["--address", harness.daemon.socket, "-n", harness.namespace, "images", "pull", "--plain-http", reference])
            let downloading = eventually(within: 20) { (Self.layerIngestOffset(harness) ?? 0) > (kept.last ?? 0) }
            #expect(downloading, "round \(round): the layer download did not move on")
            Thread.sleep(forTimeInterval: 1)
            harness.daemon.stop(signal: SIGKILL)
            _ = pull.finish()
            try harness.restart()
            let problems = try harness.problems()
            #expect(problems.isEmpty, "after kill \(round) during the pull: \(problems)")
            let offset = Self.layerIngestOffset(harness) ?? 0
            #expect(offset > (kept.last ?? 0), "round \(round): the ingest kept \(offset) bytes, before \(kept)")
            kept.append(offset)
        }
        let pulled = try harness.berthOK(["images", "pull", "--plain-http", reference])
        #expect(pulled.stdout.contains("unpacked"), "\(pulled)")
        // The layer is about 5.2 MB; what the last pull fetched is what the ingest did not have yet.
        let fetched = pulled.stdout.components(separatedBy: "total: ").last?.prefix { $0 != " " } ?? ""
        #expect(fetched.hasSuffix("MB") && (Double(fetched.dropLast(2)) ?? 99) < 4, "fetched \(fetched):\n\(pulled)")
        let ran = try harness.ctrOK(["run", "--rm", reference, ContainersTasksTests.uniqueID("resumed"), "sh", "-c", "echo ok"])
        #expect(ran.stdout == "ok\n")
        #expect(try harness.problems().isEmpty)
        print("crash consistency: 3 kills during a pull survived; the layer's ingest kept \(kept) bytes")
    }

    /// The largest ingest's size on disk (the layer's; ctr prints sizes rounded).
    static func layerIngestOffset(_ harness: CrashHarness) -> Int64? {
        let ingests = harness.base + "/root/io.containerd.content.v1.content/ingest"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: ingests)) ?? []
        return names.compactMap { name in
            (try? FileManager.default.attributesOfItem(atPath: "\(ingests)/\(name)/data"))?[.size] as? Int64
        }.max()
    }

    // MARK: scenarios

    static func contentScenarios(files directory: String) throws -> [Scenario] {
        try ["content.write@3", "content.commit.before-rename", "content.commit.before-ingest-removal",
             "content.commit.before-record"].enumerated().map { index, point in
            let blob = try Self.blob(seed: index, size: 8 << 20, in: directory)
            let ref = "crash-ingest-\(index)"
            // From a file, so ctr can seek when it resumes the ingest.
            let ingest = "ctr content ingest --expected-size \(blob.data.count) --expected-digest \(blob.digest) \(ref) < \(blob.path)"
            return Scenario(
                point: point,
                act: { try $0.shell(ingest) },
                afterRestart: { harness in
                    let active = try harness.ctrOK(["content", "active"]).stdout
                    if point.hasPrefix("content.write") || point == "content.commit.before-rename" {
                        // Written before the crash, so kept for the retry to resume.
                        #expect(active.contains(ref), "the interrupted ingest is kept:\n\(active)")
                    }
                    let retried = try harness.shell(ingest)
                    #expect(retried.status == 0, "\(retried)")
                    let read = try harness.shell("ctr content get \(blob.digest) | sha256sum")
                    #expect(read.stdout.hasPrefix(blob.digest.dropFirst("sha256:".count)), "\(read)")
                })
        }
    }

    static func pullScenarios(_ registry: LocalRegistry) -> [Scenario] {
        ["unpack.stream@2", "pull.before-image", "snapshot.commit.before-record@1"].enumerated().map { index, point in
            let reference = "\(registry.address)/crash/pull\(index):1"
            return Scenario(
                point: point,
                arrange: { _ in try ImageFixtures.pushUniqueImage(to: registry, repository: "crash/pull\(index)") },
                act: { try $0.berth(["images", "pull", "--plain-http", reference]) },
                afterRestart: { harness in
                    let images = try harness.ctrOK(["images", "ls", "-q"]).stdout
                    #expect(!images.contains(reference), "named before it was complete:\n\(images)")
                    let pulled = try harness.berthOK(["images", "pull", "--plain-http", reference])
                    #expect(pulled.stdout.contains("unpacked"), "\(pulled)")
                    let ran = try harness.ctrOK(["run", "--rm", reference, ContainersTasksTests.uniqueID("pulled"), "sh", "-c", "echo ok"])
                    #expect(ran.stdout == "ok\n")
                })
        }
    }

    static func snapshotScenarios(layer parent: String) -> [Scenario] {
        [
            Scenario(
                point: "snapshot.create.before-directories",
                act: { try $0.ctr(["snapshots", "prepare", "crash-prepared", parent]) },
                afterRestart: { harness in
                    let listed = try harness.ctrOK(["snapshots", "ls"]).stdout
                    #expect(!listed.contains("crash-prepared"))
                    try harness.ctrOK(["snapshots", "prepare", "crash-prepared", parent])
                    try harness.ctrOK(["snapshots", "rm", "crash-prepared"])
                }),
            Scenario(
                point: "snapshot.commit.before-record",
                arrange: { try $0.ctrOK(["snapshots", "prepare", "crash-to-commit", parent]) },
                act: { try $0.ctr(["snapshots", "commit", "crash-committed", "crash-to-commit"]) },
                afterRestart: { harness in
                    try harness.ctrOK(["snapshots", "commit", "crash-committed", "crash-to-commit"])
                    try harness.ctrOK(["snapshots", "rm", "crash-committed"])
                }),
            Scenario(
                point: "snapshot.remove.before-directories",
                arrange: { try $0.ctrOK(["snapshots", "prepare", "crash-removed", parent]) },
                act: { try $0.ctr(["snapshots", "rm", "crash-removed"]) },
                afterRestart: { harness in
                    let listed = try harness.ctrOK(["snapshots", "ls"]).stdout
                    #expect(!listed.contains("crash-removed"))
                }),
        ]
    }

    static func containerScenarios(image: String) -> [Scenario] {
        let created = ContainersTasksTests.uniqueID("crash-c")
        var scenarios = [
            Scenario(
                point: "containers.create.after-record",
                act: { try $0.ctr(["containers", "create", image, created, "sleep", "1000"]) },
                afterRestart: { harness in
                    // The record was written before the crash: it is there, whole, and goes.
                    let info = try harness.ctrOK(["containers", "info", created]).stdout
                    #expect(info.contains(image))
                    try harness.ctrOK(["containers", "rm", created])
                }),
        ]
        for (point, runsAfter) in [
            ("task.create.before-shim", false), ("task.create.before-create", false), ("task.start.after-start", true),
        ] {
            let id = ContainersTasksTests.uniqueID("crash-t")
            scenarios.append(Scenario(
                point: point,
                arrange: { try $0.ctrOK(["containers", "create", image, id, "sleep", "1000"]) },
                act: { try $0.ctr(["tasks", "start", "-d", id]) },
                afterRestart: { harness in
                    let row = try harness.taskRows().first { $0.first == id }
                    #expect(runsAfter ? row?.last == "RUNNING" : row == nil, "task \(id) after \(point): \(row ?? [])")
                    if !runsAfter { try harness.ctrOK(["tasks", "start", "-d", id]) }
                    try Self.removeTask(id, harness)
                }))
        }
        let deleted = ContainersTasksTests.uniqueID("crash-d")
        scenarios.append(Scenario(
            point: "task.delete.before-shutdown",
            arrange: { harness in
                try harness.ctrOK(["containers", "create", image, deleted, "sleep", "1000"])
                try harness.ctrOK(["tasks", "start", "-d", deleted])
                try harness.ctrOK(["tasks", "kill", "-s", "KILL", deleted])
                _ = eventually { (try? harness.taskRows().first { $0.first == deleted }?.last) == "STOPPED" }
            },
            act: { try $0.ctr(["tasks", "rm", deleted]) },
            afterRestart: { harness in
                let rows = try harness.taskRows()
                #expect(!rows.contains { $0.first == deleted })
                try harness.ctrOK(["containers", "rm", deleted])
            }))
        return scenarios
    }

    /// A collection that dies after its metadata sweep, and one that dies between removing two blob files.
    static func collectionScenarios(_ registry: LocalRegistry) -> [Scenario] {
        // The restarted daemon's first collection runs at start; the one the removal asks for is the second.
        ["gc.after-sweep@2", "gc.removing-blobs"].enumerated().map { index, point in
            let repository = "crash/collected\(index)"
            let reference = "\(registry.address)/\(repository):1"
            return Scenario(
                point: point,
                arrange: { harness in
                    try ImageFixtures.pushUniqueImage(to: registry, repository: repository)
                    try harness.berthOK(["images", "pull", "--plain-http", reference])
                },
                act: { try $0.ctr(["images", "rm", "--sync", reference]) },
                afterRestart: { harness in
                    let listed = try harness.ctrOK(["images", "ls", "-q"]).stdout
                    #expect(!listed.contains(reference))
                })
        }
    }

    // MARK: helpers

    static func removeTask(_ id: String, _ harness: CrashHarness) throws {
        _ = try harness.ctr(["tasks", "kill", "-s", "KILL", id])
        _ = eventually { (try? harness.taskRows().first { $0.first == id }?.last) == "STOPPED" }
        try harness.ctrOK(["tasks", "rm", id])
        try harness.ctrOK(["containers", "rm", id])
    }

    /// Deterministic bytes in a file in `directory`, and their digest.
    static func blob(seed: Int, size: Int, in directory: String) throws -> (data: Data, path: String, digest: String) {
        var state = UInt64(seed + 1) &* 0x9E37_79B9_7F4A_7C15
        let data = Data((0..<size).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        })
        let path = "\(directory)/blob-\(seed)"
        try data.write(to: URL(fileURLWithPath: path))
        let sum = try Command.run(URL(fileURLWithPath: "/usr/bin/sha256sum"), [path])
        return (data, path, "sha256:" + sum.stdout.prefix(64))
    }
}
