import Foundation
import Testing

@testable import RuntimeSpec

@Suite("Spec options")
struct OptionTests {
    private func spec(_ options: SpecOption...) throws -> Spec {
        var spec = DefaultSpec.linux(namespace: "default", containerID: "c1")
        try spec.apply(options)
        return spec
    }

    @Test("processArgs, processCwd, hostname, annotations")
    func processBasics() throws {
        let spec = try spec(
            .processArgs(["sh", "-c", "echo hi"]), .processCwd("/work"), .hostname("box"),
            .annotations(["a": "1"]), .annotations(["a": "2", "b": "3"]))
        #expect(spec.process?.args == ["sh", "-c", "echo hi"])
        #expect(spec.process?.cwd == "/work")
        #expect(spec.hostname == "box")
        #expect(spec.annotations == ["a": "2", "b": "3"])
    }

    @Test("env replaces by key in place, appends new keys, unsets bare keys")
    func env() throws {
        var spec = Spec()
        try spec.apply(.env(["A=1", "B=2", "C=3"]), .env(["B=20", "D=4", "A", "X"]))
        #expect(spec.process?.env == ["B=20", "C=3", "D=4"])
        #expect(Environment.replaceOrAppend(["A=1"], ["A=2", "A=3", "E=1", "E=2"]) == ["A=3", "E=1", "E=2"])
        try spec.apply(.defaultPathEnv)
        #expect(spec.process?.env.last == DefaultSpec.pathEnv)
    }

    @Test("envFile reads one variable per line")
    func envFile() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("env", "A=1\r\nB=2\n\nC=3")
        let spec = try spec(.envFile(file.path))
        #expect(spec.process?.env == ["A=1", "B=2", "C=3"])
        #expect(throws: SpecError.self) { try self.spec(.envFile(directory.path + "/missing")) }
    }

    @Test("tty sets terminal and appends TERM on Linux only")
    func tty() throws {
        let linux = try spec(.tty, .ttySize(width: 80, height: 24))
        #expect(linux.process?.terminal == true)
        #expect(linux.process?.env == ["TERM=xterm"])
        #expect(linux.process?.consoleSize == Spec.Box(height: 24, width: 80))
        var bare = Spec()
        try bare.apply(.tty)
        #expect(bare.process?.terminal == true && bare.process?.env == [])
    }

    @Test("rootFSPath and rootFSReadonly")
    func root() throws {
        let spec = try spec(.rootFSPath("/var/lib/rootfs"), .rootFSReadonly)
        #expect(spec.root == Spec.Root(path: "/var/lib/rootfs", readonly: true))
    }

    @Test("hostNamespace(.network) with the hosts and resolv.conf bind mounts, as ctr --net-host")
    func netHost() throws {
        let spec = try spec(.hostNamespace(.network), .hostHostsFile, .hostResolvconf)
        #expect(spec.linux?.namespaces.map(\.type) == [.pid, .ipc, .uts, .mount])
        #expect(Array(spec.mounts.suffix(2)) == [
            Spec.Mount(destination: "/etc/hosts", type: "bind", source: "/etc/hosts", options: ["rbind", "ro"]),
            Spec.Mount(destination: "/etc/resolv.conf", type: "bind", source: "/etc/resolv.conf", options: ["rbind", "ro"]),
        ])
    }

    @Test("linuxNamespace replaces or adds; userNamespace adds the namespace once and the mappings")
    func namespaces() throws {
        let mapping = Spec.LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)
        let spec = try spec(
            .linuxNamespace(Spec.LinuxNamespace(type: .network, path: "/proc/1/ns/net")),
            .linuxNamespace(Spec.LinuxNamespace(type: .cgroup)),
            .userNamespace(uidMappings: [mapping], gidMappings: [mapping]),
            .userNamespace(uidMappings: [], gidMappings: []))
        #expect(spec.linux?.namespaces == [
            .init(type: .pid), .init(type: .ipc), .init(type: .uts), .init(type: .mount),
            .init(type: .network, path: "/proc/1/ns/net"), .init(type: .cgroup), .init(type: .user),
        ])
        #expect(spec.linux?.uidMappings == [mapping] && spec.linux?.gidMappings == [mapping])
    }

    @Test("mounts from ctr --mount flags, and withoutMounts by cleaned destination")
    func mounts() throws {
        let spec = try spec(.mounts(flags: ["type=bind,src=/host/data,dst=/data,options=rbind:ro"]), .withoutMounts(["/run", "/dev/shm"]))
        #expect(spec.mounts.last == Spec.Mount(destination: "/data", type: "bind", source: "/host/data", options: ["rbind", "ro"]))
        #expect(!spec.mounts.contains { $0.destination == "/run" || $0.destination == "/dev/shm" })
        #expect(throws: SpecError.invalidMount("mount option \"size\" not supported")) {
            try self.spec(.mounts(flags: ["type=tmpfs,size=1"]))
        }
    }

    @Test("devShmSize replaces the size option of the shm mount")
    func devShmSize() throws {
        let spec = try spec(.devShmSize(kib: 1024))
        #expect(spec.mounts.first { $0.destination == "/dev/shm" }?.options == ["nosuid", "noexec", "nodev", "mode=1777", "size=1024k"])
        var bare = Spec()
        #expect(throws: SpecError.self) { try bare.apply(.devShmSize(kib: 1)) }
    }

    @Test("memoryLimit sets bytes on Linux specs and leaves others alone")
    func memoryLimit() throws {
        #expect(try spec(.memoryLimit(64 << 20)).linux?.resources?.memory?.limit == 64 << 20)
        var bare = Spec()
        try bare.apply(.memoryLimit(1))
        #expect(bare.linux == nil)
        #expect(try spec(.memorySwap(128 << 20)).linux?.resources?.memory?.swap == 128 << 20)
    }

    @Test("cpus is a CFS quota over a 100000µs period, as ctr --cpus")
    func cpus() throws {
        let cpu = try spec(.cpus(1.5)).linux?.resources?.cpu
        #expect(cpu?.quota == 150000 && cpu?.period == 100000)
        #expect(try spec(.cpus(0.3)).linux?.resources?.cpu?.quota == 30000)
        #expect(try spec(.cpus(0)).linux?.resources?.cpu == nil)
        #expect(throws: SpecError.self) { try self.spec(.cpus(.infinity)) }
        let more = try spec(.cpuShares(512), .cpusetCPUs("0-1"), .cpusetMems("0"), .pidsLimit(32)).linux?.resources
        #expect(more?.cpu == Spec.LinuxCPU(shares: 512, cpus: "0-1", mems: "0"))
        #expect(more?.pids == Spec.LinuxPids(limit: 32))
    }

    @Test("added and dropped capabilities touch bounding, effective and permitted")
    func capabilities() throws {
        let spec = try spec(.addedCapabilities(["CAP_SYS_ADMIN", "CAP_CHOWN"]), .droppedCapabilities(["CAP_NET_RAW", "CAP_KILL"]))
        let caps = try #require(spec.process?.capabilities)
        for set in [caps.bounding, caps.effective, caps.permitted] {
            #expect(set.last == "CAP_SYS_ADMIN")
            #expect(set.filter { $0 == "CAP_CHOWN" }.count == 1)
            #expect(!set.contains("CAP_NET_RAW") && !set.contains("CAP_KILL"))
            #expect(set.count == 13)
        }
        #expect(caps.inheritable.isEmpty && caps.ambient.isEmpty)
        let ambient = try self.spec(.ambientCapabilities(["CAP_NET_BIND_SERVICE"])).process?.capabilities
        #expect(ambient?.ambient == ["CAP_NET_BIND_SERVICE"] && ambient?.inheritable == ["CAP_NET_BIND_SERVICE"])
    }

    @Test("privileged: this process's capabilities, no masked or read-only paths, writable sysfs, no LSM or seccomp")
    func privileged() throws {
        var start = DefaultSpec.linux(namespace: "default", containerID: "c1")
        start.process?.apparmorProfile = "docker-default"
        start.process?.selinuxLabel = "label"
        start.linux?.seccomp = .object([:])
        start.mounts.append(Spec.Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro", "nosuid"]))
        var spec = start
        try spec.apply(.privileged, .allDevicesAllowed, .hostDevices)
        let current = try HostCapabilities.current()
        #expect(spec.process?.capabilities == Spec.LinuxCapabilities(bounding: current, effective: current, permitted: current))
        #expect(spec.linux?.maskedPaths == [] && spec.linux?.readonlyPaths == [])
        #expect(spec.mounts.first { $0.type == "sysfs" }?.options == ["nosuid", "noexec", "nodev", "rw"])
        #expect(spec.mounts.first { $0.type == "cgroup" }?.options == ["rw", "nosuid"])
        #expect(spec.process?.apparmorProfile == "" && spec.process?.selinuxLabel == "" && spec.linux?.seccomp == nil)
        #expect(spec.linux?.resources?.devices == [Spec.LinuxDeviceCgroup(allow: true, access: "rwm")])
        #expect(spec.linux?.devices.contains { $0.path == "/dev/null" && $0.major == 1 && $0.minor == 3 } == true)
    }

    @Test("device cgroup rules: defaultUnixDevices and devices(path:)")
    func deviceRules() throws {
        let defaults = try spec(.defaultUnixDevices).linux?.resources?.devices ?? []
        #expect(defaults.count == 10)
        #expect(defaults[8] == Spec.LinuxDeviceCgroup(allow: true, type: "c", major: 136, minor: nil, access: "rwm"))
        let spec = try spec(.devices(path: "/dev/null", containerPath: "/dev/nothing", permissions: "rw"))
        #expect(spec.linux?.devices.map(\.path) == ["/dev/nothing"])
        #expect(spec.linux?.resources?.devices.last == Spec.LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rw"))
    }

    @Test("namespacedCgroup, cgroup, newPrivileges, rootfsPropagation, apparmorProfile")
    func linuxKnobs() throws {
        #expect(try spec(.namespacedCgroup(namespace: "ns", containerID: "id")).linux?.cgroupsPath == "/ns/id")
        #expect(try spec(.cgroup("")).linux?.cgroupsPath == "")
        #expect(try spec(.newPrivileges).process?.noNewPrivileges == false)
        #expect(try spec(.rootfsPropagation("shared")).linux?.rootfsPropagation == "shared")
        #expect(try spec(.apparmorProfile("p")).process?.apparmorProfile == "p")
    }

    @Test("options create the section they write to, as containerd's setProcess and friends")
    func createsSections() throws {
        var spec = Spec()
        try spec.apply(.processArgs(["true"]), .rootFSReadonly, .maskedPaths(["/x"]), .cpuShares(2))
        #expect(spec.process?.args == ["true"])
        #expect(spec.root == Spec.Root(readonly: true))
        #expect(spec.linux?.maskedPaths == ["/x"])
        #expect(spec.linux?.resources?.cpu?.shares == 2)
    }

    @Test("compose applies in order and stops at the first error")
    func compose() throws {
        var spec = Spec()
        #expect(throws: SpecError.invalidUser("a:b:c")) {
            try spec.apply(.compose([.hostname("a"), .user("a:b:c"), .hostname("b")]))
        }
        #expect(spec.hostname == "a")
    }
}
