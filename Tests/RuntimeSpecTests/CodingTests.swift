import Foundation
import Testing

@testable import RuntimeSpec

@Suite("JSON coding")
struct CodingTests {
    private func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test("empty and nil fields are left out; fields Go writes without omitempty stay")
    func omission() throws {
        #expect(try String(decoding: Spec().jsonData(), as: UTF8.self) == #"{"ociVersion":"1.0.2-dev"}"#)
        #expect(try json(Spec.Process()) == #"{"cwd":"","user":{"gid":0,"uid":0}}"#)
        #expect(try json(Spec.Root()) == #"{"path":""}"#)
        #expect(try json(Spec.Mount(destination: "/x")) == #"{"destination":"/x"}"#)
        #expect(try json(Spec.LinuxDeviceCgroup(allow: false)) == #"{"allow":false}"#)
        #expect(try json(Spec.LinuxNamespace(type: .pid)) == #"{"type":"pid"}"#)
        #expect(try json(Spec.Linux()) == "{}")
        #expect(try json(Spec.LinuxResources()) == "{}")
        #expect(try json(Spec.LinuxMemory()) == "{}")
        #expect(try json(Spec.LinuxCPU()) == "{}")
        #expect(try json(Spec.LinuxCapabilities()) == "{}")
        #expect(try json(Spec.Hooks()) == "{}")
        #expect(try json(Spec.LinuxPids(limit: 0)) == #"{"limit":0}"#)
        #expect(try json(Spec.LinuxDevice(path: "/dev/null", type: "c", major: 1, minor: 3)) == #"{"major":1,"minor":3,"path":"/dev/null","type":"c"}"#)
    }

    @Test("jsonData is compact with sorted keys, so equal specs give equal bytes")
    func deterministic() throws {
        let spec = Spec(process: Spec.Process(terminal: true, args: ["sh"], cwd: "/"), root: Spec.Root(path: "rootfs"), hostname: "h")
        let text = String(decoding: try spec.jsonData(), as: UTF8.self)
        #expect(text == #"{"hostname":"h","ociVersion":"1.0.2-dev","process":{"args":["sh"],"cwd":"/","terminal":true,"user":{"gid":0,"uid":0}},"root":{"path":"rootfs"}}"#)
    }

    @Test("a spec with every modelled field survives a round trip")
    func roundTrip() throws {
        var spec = DefaultSpec.linux(namespace: "default", containerID: "c")
        spec.hostname = "box"
        spec.domainname = "example.com"
        spec.annotations = ["a": "b"]
        spec.hooks = Spec.Hooks(prestart: [Spec.Hook(path: "/bin/hook", args: ["hook", "x"], env: ["A=1"], timeout: 5)])
        spec.process?.terminal = true
        spec.process?.consoleSize = Spec.Box(height: 24, width: 80)
        spec.process?.user = Spec.User(uid: 1, gid: 2, umask: 0o22, additionalGids: [2, 3])
        spec.process?.args = ["sh", "-c", "true"]
        spec.process?.env = ["PATH=/bin"]
        spec.process?.oomScoreAdj = -500
        spec.process?.apparmorProfile = "p"
        spec.process?.selinuxLabel = "l"
        spec.mounts.append(Spec.Mount(
            destination: "/m", type: "bind", source: "/s", options: ["rbind"],
            uidMappings: [Spec.LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)]))
        spec.linux?.uidMappings = [Spec.LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        spec.linux?.sysctl = ["net.ipv4.ip_forward": "1"]
        spec.linux?.devices = [Spec.LinuxDevice(path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0)]
        spec.linux?.rootfsPropagation = "rslave"
        spec.linux?.mountLabel = "m"
        spec.linux?.seccomp = .object(["defaultAction": .string("SCMP_ACT_ERRNO")])
        spec.linux?.resources?.memory = Spec.LinuxMemory(limit: 1 << 30, swap: 2 << 30, disableOOMKiller: true)
        spec.linux?.resources?.cpu = Spec.LinuxCPU(shares: 512, quota: 50000, period: 100000, cpus: "0-1", mems: "0")
        spec.linux?.resources?.pids = Spec.LinuxPids(limit: 64)
        spec.linux?.resources?.blockIO = Spec.LinuxBlockIO(
            weight: 100, weightDevice: [Spec.LinuxWeightDevice(major: 8, minor: 0, weight: 50)],
            throttleReadBpsDevice: [Spec.LinuxThrottleDevice(major: 8, minor: 0, rate: 1024)])
        spec.linux?.resources?.hugepageLimits = [Spec.LinuxHugepageLimit(pageSize: "2MB", limit: 1 << 21)]
        spec.linux?.resources?.unified = ["memory.high": "1G"]
        #expect(try Spec.decode(spec.jsonData()) == spec)
    }

    @Test("unknown keys survive at the top level and in process, linux and linux.resources")
    func unknownFields() throws {
        let input = #"""
            {"ociVersion":"1.1.0","windows":{"layerFolders":null},"vm":{"hypervisor":{"path":"/hv"}},
             "process":{"cwd":"/","user":{"uid":0,"gid":0},"scheduler":{"policy":"SCHED_OTHER"},"ioPriority":{"class":"IOPRIO_CLASS_IDLE"}},
             "linux":{"intelRdt":{"closID":"x"},"personality":{"domain":"LINUX"},"timeOffsets":{"monotonic":{"secs":1}},
                      "seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["ptrace"],"args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]},
                      "resources":{"rdma":{"mlx":{"hcaHandles":3}},"network":{"classID":7}}}}
            """#
        let spec = try Spec.decode(Data(input.utf8))
        #expect(spec.ociVersion == "1.1.0")
        #expect(spec.unknownFields["vm"] == .object(["hypervisor": .object(["path": .string("/hv")])]))
        #expect(spec.unknownFields["windows"] == .object(["layerFolders": .null]))
        #expect(spec.process?.unknownFields.keys.sorted() == ["ioPriority", "scheduler"])
        #expect(spec.linux?.unknownFields.keys.sorted() == ["intelRdt", "personality", "timeOffsets"])
        #expect(spec.linux?.resources?.unknownFields.keys.sorted() == ["network", "rdma"])
        // The whole document, seccomp's uint64 included, comes back unchanged.
        let decoder = JSONDecoder()
        #expect(try decoder.decode(JSONValue.self, from: spec.jsonData()) == decoder.decode(JSONValue.self, from: Data(input.utf8)))
    }

    @Test("absent and null keys decode as Go's zero values")
    func goZeroValues() throws {
        let spec = try Spec.decode(Data(#"{"process":{"args":null,"user":{}},"root":{},"mounts":null,"linux":{"namespaces":[{}],"resources":{"pids":{}}}}"#.utf8))
        #expect(spec.ociVersion == "")
        #expect(spec.process == Spec.Process())
        #expect(spec.root == Spec.Root())
        #expect(spec.mounts == [])
        #expect(spec.linux?.namespaces == [Spec.LinuxNamespace(type: "")])
        #expect(spec.linux?.resources?.pids == Spec.LinuxPids(limit: 0))
    }

    @Test("a wrongly typed field is an error, as in Go")
    func typeMismatch() {
        #expect(throws: DecodingError.self) { try Spec.decode(Data(#"{"process":{"args":"sh"}}"#.utf8)) }
        #expect(throws: DecodingError.self) { try Spec.decode(Data("[]".utf8)) }
    }

    @Test("JSONValue keeps integers whole")
    func jsonValueNumbers() throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data("[18446744073709551615,-9223372036854775808,1.5,true,null,\"s\",{}]".utf8))
        #expect(value == .array([.uint(.max), .int(.min), .double(1.5), .bool(true), .null, .string("s"), .object([:])]))
        #expect(try json(value) == "[18446744073709551615,-9223372036854775808,1.5,true,null,\"s\",{}]")
    }

    @Test("type URL of the protobuf Any")
    func typeURL() {
        #expect(Spec.typeURL == "types.containerd.io/opencontainers/runtime-spec/1/Spec")
        #expect(Spec.Process.typeURL == "types.containerd.io/opencontainers/runtime-spec/1/Process")
    }
}
