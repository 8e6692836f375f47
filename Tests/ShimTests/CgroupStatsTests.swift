import Glibc
import Testing
@testable import Shim

@Suite struct CgroupStatsTests {
    @Test func parsesV1AndV2ProcCgroup() {
        let groups = CgroupStats.parse("""
            12:pids:/default/c1
            4:memory:/default/c1
            2:cpu,cpuacct:/default/c1
            1:name=systemd:/default/c1
            0::/
            """)
        #expect(groups["memory"] == "/default/c1")
        #expect(groups["cpuacct"] == "/default/c1")
        #expect(groups["cpu"] == "/default/c1")
        #expect(groups[""] == "/")
    }

    @Test func readsKeyValueFilesAndLimits() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Sys.writeFile(directory.path + "/memory.stat", "cache 4096\nrss 8192\ntotal_rss 8192\n")
        try Sys.writeFile(directory.path + "/pids.max", "max\n")
        try Sys.writeFile(directory.path + "/pids.current", "3\n")
        #expect(CgroupStats.keyValues(directory.path + "/memory.stat") == ["cache": 4096, "rss": 8192, "total_rss": 8192])
        #expect(CgroupStats.number(directory.path + "/pids.max") == UInt64.max)
        #expect(CgroupStats.number(directory.path + "/pids.current") == 3)
        #expect(CgroupStats.number(directory.path + "/missing") == 0)
    }

    @Test func metricsOfThisProcessAreTypedForTheHost() throws {
        let metrics = try CgroupStats.metrics(ofProcess: getpid())
        let v1 = CgroupStats.cgroups(ofProcess: getpid())["memory"] != nil
        #expect(metrics.typeURL == (v1 ? "io.containerd.cgroups.v1.Metrics" : "io.containerd.cgroups.v2.Metrics"))
        #expect(!metrics.value.isEmpty)
    }
}
