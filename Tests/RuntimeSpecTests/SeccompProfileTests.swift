import Foundation
import Glibc
import Testing

@testable import RuntimeSpec

/// containerd 1.6's contrib/seccomp DefaultProfile, WithDefaultProfile and WithProfile. The expected values were
/// read off seccomp_default.go and checked against what containerd 1.6.20 wrote for `ctr run --seccomp` and
/// `ctr containers create --seccomp --cap-add ...` on amd64.
@Suite("Seccomp profile")
struct SeccompProfileTests {
    /// A kernel new enough for the ptrace rule, so results do not depend on the machine.
    static let newKernel = SeccompProfile.KernelVersion(kernel: 6, major: 1)

    static var isAMD64: Bool {
        #if arch(x86_64)
            true
        #else
            false
        #endif
    }

    private func spec(bounding: [String]) -> Spec {
        Spec(process: Spec.Process(capabilities: Spec.LinuxCapabilities(bounding: bounding)))
    }

    private func profile(
        bounding: [String] = DefaultSpec.capabilities, kernel: SeccompProfile.KernelVersion = newKernel,
        goarch: String = "amd64"
    ) -> SeccompProfile {
        SeccompProfile.containerdDefault(for: spec(bounding: bounding), kernel: kernel, goarch: goarch)
    }

    /// Names allowed whatever their arguments.
    private func unconditionallyAllowed(_ profile: SeccompProfile) -> Set<String> {
        Set(profile.syscalls.filter { $0.action == SeccompProfile.Action.allow && $0.args.isEmpty }.flatMap(\.names))
    }

    /// Names in any allow rule, with or without argument conditions.
    private func allowedAtAll(_ profile: SeccompProfile) -> Set<String> {
        Set(profile.syscalls.filter { $0.action == SeccompProfile.Action.allow }.flatMap(\.names))
    }

    // MARK: containerd's default capability set

    @Test("default capabilities: errno by default, amd64 architectures, the rules in Go's order")
    func defaultCapabilities() {
        let profile = profile()
        #expect(profile.defaultAction == "SCMP_ACT_ERRNO")
        #expect(profile.defaultErrnoRet == nil)
        #expect(profile.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])
        #expect(profile.flags.isEmpty && profile.listenerPath.isEmpty && profile.listenerMetadata.isEmpty)
        // The big list, five personality rules, ptrace (kernel >= 4.8), amd64's, CAP_SYS_CHROOT's, clone, clone3.
        #expect(
            profile.syscalls.map(\.names) == [
                SeccompProfile.containerdDefaultAllowed,
                ["personality"], ["personality"], ["personality"], ["personality"], ["personality"],
                ["ptrace"], ["arch_prctl", "modify_ldt"], ["chroot"], ["clone"], ["clone3"],
            ])
        // Counted in seccomp_default.go: 349 names in the first rule, none twice.
        #expect(profile.syscalls[0].names.count == 349)
        #expect(Set(profile.syscalls[0].names).count == 349)
        #expect(profile.syscalls[0].names.first == "accept" && profile.syscalls[0].names.last == "writev")
        // 349 + 5 personality + ptrace + arch_prctl, modify_ldt + chroot + clone.
        let allowRules = profile.syscalls.filter { $0.action == SeccompProfile.Action.allow }
        #expect(allowRules.reduce(0) { $0 + $1.names.count } == 359)
        #expect(allowedAtAll(profile).count == 355)
    }

    @Test("default capabilities: everyday syscalls allowed, privileged ones absent from every allow rule")
    func defaultCapabilitiesAllowAndDeny() {
        let profile = profile()
        let allowed = unconditionallyAllowed(profile)
        for name in ["read", "write", "openat", "close", "execve", "mmap", "futex", "socket", "chroot", "ptrace"] {
            #expect(allowed.contains(name), "\(name) should be allowed")
        }
        let anyAllow = allowedAtAll(profile)
        let denied = [
            "mount", "umount", "umount2", "setns", "unshare", "reboot", "bpf", "perf_event_open", "kcmp",
            "process_vm_readv", "process_vm_writev", "pidfd_getfd", "init_module", "finit_module", "delete_module",
            "acct", "open_by_handle_at", "name_to_handle_at", "iopl", "ioperm", "settimeofday", "clock_settime",
            "stime", "vhangup", "syslog", "mbind", "set_mempolicy", "get_mempolicy", "sethostname", "setdomainname",
            "fsopen", "move_mount", "open_tree", "quotactl", "lookup_dcookie", "fanotify_init", "clone3",
        ]
        for name in denied {
            #expect(!anyAllow.contains(name), "\(name) should not be allowed")
        }
        // clone is allowed only through its masked rule.
        #expect(!allowed.contains("clone") && anyAllow.contains("clone"))
    }

    @Test("personality only for PER_LINUX, PER_LINUX32, UNAME26, both, and queries")
    func personality() {
        let rules = profile().syscalls.filter { $0.names == ["personality"] }
        #expect(rules.count == 5)
        #expect(rules.allSatisfy { $0.action == "SCMP_ACT_ALLOW" && $0.errnoRet == nil && $0.args.count == 1 })
        #expect(
            rules.flatMap(\.args) == [0x0, 0x8, 0x20000, 0x20008, 0xffff_ffff].map {
                SeccompProfile.Arg(index: 0, value: $0, valueTwo: 0, op: "SCMP_CMP_EQ")
            })
    }

    @Test("without CAP_SYS_ADMIN: clone without CLONE_NEW* flags, clone3 fails with ENOSYS")
    func cloneWithoutAdmin() throws {
        let profile = profile()
        let clone = try #require(profile.syscalls.first { $0.names == ["clone"] })
        #expect(clone.action == "SCMP_ACT_ALLOW" && clone.errnoRet == nil)
        // CLONE_NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP, which containerd writes as 2114060288.
        #expect(clone.args == [SeccompProfile.Arg(index: 0, value: 2_114_060_288, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ")])
        let clone3 = try #require(profile.syscalls.last)
        #expect(clone3 == SeccompProfile.Syscall(names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: UInt(ENOSYS)))
        #expect(UInt(ENOSYS) == 38 || !Self.isAMD64)
    }

    // MARK: capabilities

    @Test("with CAP_SYS_ADMIN: mount, setns, unshare, clone, clone3 ... allowed, no clone mask, no clone3 errno")
    func withSysAdmin() {
        let profile = profile(bounding: DefaultSpec.capabilities + ["CAP_SYS_ADMIN"])
        let allowed = unconditionallyAllowed(profile)
        for name in [
            "mount", "umount", "umount2", "setns", "unshare", "clone", "clone3", "bpf", "perf_event_open", "syslog",
            "sethostname", "setdomainname", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
            "mount_setattr", "name_to_handle_at", "quotactl", "quotactl_fd", "lookup_dcookie", "fanotify_init",
        ] {
            #expect(allowed.contains(name), "\(name) should be allowed")
        }
        #expect(!profile.syscalls.contains { $0.args.contains { $0.op == "SCMP_CMP_MASKED_EQ" } })
        #expect(!profile.syscalls.contains { $0.action == "SCMP_ACT_ERRNO" })
        // The admin rule comes where CAP_SYS_ADMIN is in the bounding set: after CAP_SYS_CHROOT's.
        #expect(profile.syscalls.count == 10)
        #expect(profile.syscalls.suffix(2).map { $0.names.count } == [1, 24])
        #expect(profile.syscalls.last?.names.first == "bpf" && profile.syscalls.last?.names.last == "unshare")
        // Still nothing for capabilities that are not there.
        #expect(!allowed.contains("reboot") && !allowed.contains("kcmp") && !allowed.contains("open_by_handle_at"))
    }

    @Test("every capability rule, in the order of the bounding set, as containerd wrote it for ctr --cap-add")
    func everyCapability() {
        let added = [
            "CAP_SYS_NICE", "CAP_PERFMON", "CAP_BPF", "CAP_SYSLOG", "CAP_SYS_TTY_CONFIG", "CAP_SYS_TIME",
            "CAP_SYS_RAWIO", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_MODULE", "CAP_SYS_BOOT", "CAP_SYS_ADMIN",
            "CAP_DAC_READ_SEARCH",
        ]
        let profile = profile(bounding: DefaultSpec.capabilities + added)
        #expect(
            Array(profile.syscalls.dropFirst(8).map(\.names)) == [
                ["chroot"],
                ["get_mempolicy", "mbind", "set_mempolicy"],
                ["perf_event_open"],
                ["bpf"],
                ["syslog"],
                ["vhangup"],
                ["settimeofday", "stime", "clock_settime", "clock_settime64"],
                ["iopl", "ioperm"],
                ["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"],
                ["acct"],
                ["delete_module", "init_module", "finit_module"],
                ["reboot"],
                [
                    "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
                    "lookup_dcookie", "mount", "mount_setattr", "move_mount", "name_to_handle_at", "open_tree",
                    "perf_event_open", "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog",
                    "umount", "umount2", "unshare",
                ],
                ["open_by_handle_at"],
            ])
        #expect(profile.syscalls.allSatisfy { $0.action == "SCMP_ACT_ALLOW" && $0.errnoRet == nil })
    }

    @Test("only the bounding set counts; unknown and repeated capabilities as in Go's loop")
    func boundingOnly() {
        var spec = spec(bounding: [])
        spec.process?.capabilities?.effective = ["CAP_SYS_ADMIN", "CAP_SYS_BOOT"]
        spec.process?.capabilities?.permitted = ["CAP_SYS_ADMIN", "CAP_SYS_BOOT"]
        let profile = SeccompProfile.containerdDefault(for: spec, kernel: Self.newKernel, goarch: "amd64")
        #expect(!allowedAtAll(profile).contains("mount") && !allowedAtAll(profile).contains("reboot"))
        // Without any capability: no chroot rule either.
        #expect(profile.syscalls.count == 10 && !allowedAtAll(profile).contains("chroot"))

        let twice = self.profile(bounding: ["CAP_SYS_BOOT", "CAP_NOT_A_CAP", "CAP_SYS_BOOT"])
        #expect(twice.syscalls.filter { $0.names == ["reboot"] }.count == 2)

        // No process (Go would dereference nil): the same as no capabilities.
        #expect(SeccompProfile.containerdDefault(for: Spec(), kernel: Self.newKernel, goarch: "amd64") == profile)
    }

    // MARK: kernel version

    @Test("ptrace is allowed from kernel 4.8 on", arguments: [
        (SeccompProfile.KernelVersion(kernel: 3, major: 19), false),
        (SeccompProfile.KernelVersion(kernel: 4, major: 7), false),
        (SeccompProfile.KernelVersion(kernel: 4, major: 8), true),
        (SeccompProfile.KernelVersion(kernel: 4, major: 19), true),
        (SeccompProfile.KernelVersion(kernel: 5, major: 0), true),
        (SeccompProfile.KernelVersion(kernel: 0, major: 0), false),
    ])
    func kernelSwitch(kernel: SeccompProfile.KernelVersion, ptrace: Bool) {
        let profile = profile(kernel: kernel)
        #expect(profile.syscalls.contains { $0.names == ["ptrace"] } == ptrace)
        #expect(profile.syscalls.count == (ptrace ? 11 : 10))
        #expect(allowedAtAll(profile).contains("ptrace") == ptrace)
        // CAP_SYS_PTRACE allows it anyway.
        #expect(allowedAtAll(self.profile(bounding: ["CAP_SYS_PTRACE"], kernel: kernel)).contains("ptrace"))
    }

    @Test("kernel releases parse as fmt.Sscanf(\"%d.%d\") does")
    func kernelRelease() {
        typealias Version = SeccompProfile.KernelVersion
        #expect(Version(release: "6.18.44-fc-v669") == Version(kernel: 6, major: 18))
        #expect(Version(release: "3.12-1-amd64") == Version(kernel: 3, major: 12))
        #expect(Version(release: "3.12.25-gentoo") == Version(kernel: 3, major: 12))
        #expect(Version(release: "4.8") == Version(kernel: 4, major: 8))
        #expect(Version(release: " 5.10") == Version(kernel: 5, major: 10))
        for bad in ["", "4", "4.", "4-8", ".8", "x4.8", "4.x", "99999999999999999999.1"] {
            #expect(Version(release: bad) == nil, "\(bad)")
        }
        #expect(Version(kernel: 4, major: 8) < Version(kernel: 4, major: 10))
        #expect(Version(kernel: 4, major: 20) < Version(kernel: 5, major: 0))
        #expect(Version(kernel: 4, major: 8).description == "4.8" && Version(kernel: 0, major: 0).description == "")
    }

    @Test("the running kernel's version is uname's release")
    func runningKernel() throws {
        let release = try String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)
        let expected = try #require(SeccompProfile.KernelVersion(release: release))
        #expect(SeccompProfile.KernelVersion.running == expected)
        // The public entry point uses it, and this machine's architecture.
        let ours = SeccompProfile.containerdDefault(for: spec(bounding: DefaultSpec.capabilities))
        let explicit = SeccompProfile.containerdDefault(
            for: spec(bounding: DefaultSpec.capabilities), kernel: expected, goarch: SeccompProfile.goarch)
        #expect(ours == explicit)
    }

    // MARK: architectures

    @Test("architectures and extra rules follow Go's switches on GOARCH")
    func otherArchitectures() throws {
        if Self.isAMD64 { #expect(SeccompProfile.goarch == "amd64") }
        #expect(SeccompProfile.architectures(goarch: "arm64") == ["SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64"])
        #expect(SeccompProfile.architectures(goarch: "s390x") == ["SCMP_ARCH_S390", "SCMP_ARCH_S390X"])
        #expect(SeccompProfile.architectures(goarch: "riscv64") == ["SCMP_ARCH_RISCV64"])
        #expect(
            SeccompProfile.architectures(goarch: "mips64") == ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32"])
        for goarch in ["386", "arm", "ppc64le", "mips64le", ""] {
            #expect(SeccompProfile.architectures(goarch: goarch).isEmpty, "\(goarch)")
        }

        let arm64 = profile(goarch: "arm64")
        #expect(
            arm64.syscalls[7].names == [
                "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls",
            ])
        #expect(!allowedAtAll(arm64).contains("arch_prctl"))

        let s390x = profile(goarch: "s390x")
        #expect(s390x.syscalls[7].names == ["s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"])
        // On s390 clone's flags are its second argument.
        let clone = try #require(s390x.syscalls.first { $0.names == ["clone"] })
        #expect(clone.args.map(\.index) == [1])

        #expect(profile(goarch: "386").syscalls[7].names == ["modify_ldt"])
        #expect(profile(goarch: "ppc64le").syscalls[7].names == ["sync_file_range2", "swapcontext"])
        #expect(profile(goarch: "riscv64").syscalls[7].names == ["riscv_flush_icache"])
        // No architecture rule: straight from ptrace to the capabilities.
        #expect(profile(goarch: "mips64le").syscalls[7].names == ["chroot"])
        // No architectures: the key is left out.
        guard case .object(let ppc) = profile(goarch: "ppc64le").jsonValue else {
            Issue.record("not an object")
            return
        }
        #expect(ppc["architectures"] == nil)
    }

    // MARK: JSON

    @Test("JSON uses runtime-spec's names and leaves out what Go's omitempty leaves out")
    func jsonShape() throws {
        guard case .object(let top) = profile().jsonValue, case .array(let rules)? = top["syscalls"] else {
            Issue.record("not a profile object")
            return
        }
        #expect(Set(top.keys) == ["defaultAction", "architectures", "syscalls"])
        #expect(top["defaultAction"] == .string("SCMP_ACT_ERRNO"))
        func keys(_ value: JSONValue) -> Set<String> {
            if case .object(let object) = value { return Set(object.keys) }
            return []
        }
        #expect(keys(rules[0]) == ["names", "action"])
        guard case .object(let personality) = rules[1], case .array(let args)? = personality["args"] else {
            Issue.record("personality rule without args")
            return
        }
        #expect(keys(rules[1]) == ["names", "action", "args"])
        #expect(args == [.object(["index": .int(0), "value": .int(0), "op": .string("SCMP_CMP_EQ")])])
        #expect(
            rules.last
                == .object([
                    "names": .array([.string("clone3")]), "action": .string("SCMP_ACT_ERRNO"),
                    "errnoRet": .int(Int64(ENOSYS)),
                ]))

        // Every field set: all keys, and uint64 values past Int64.max kept exactly.
        let full = SeccompProfile(
            defaultAction: "SCMP_ACT_KILL", defaultErrnoRet: 1, architectures: ["SCMP_ARCH_X86_64"],
            flags: ["SECCOMP_FILTER_FLAG_LOG"], listenerPath: "/run/l.sock", listenerMetadata: "m",
            syscalls: [.init(names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 0, args: [
                .init(index: 5, value: UInt64.max, valueTwo: 3, op: "SCMP_CMP_MASKED_EQ")
            ])])
        #expect(
            full.jsonValue
                == .object([
                    "defaultAction": .string("SCMP_ACT_KILL"), "defaultErrnoRet": .int(1),
                    "architectures": .array([.string("SCMP_ARCH_X86_64")]),
                    "flags": .array([.string("SECCOMP_FILTER_FLAG_LOG")]), "listenerPath": .string("/run/l.sock"),
                    "listenerMetadata": .string("m"),
                    "syscalls": .array([
                        .object([
                            "names": .array([.string("kill")]), "action": .string("SCMP_ACT_ERRNO"), "errnoRet": .int(0),
                            "args": .array([
                                .object([
                                    "index": .int(5), "value": .uint(UInt64.max), "valueTwo": .int(3),
                                    "op": .string("SCMP_CMP_MASKED_EQ"),
                                ])
                            ]),
                        ])
                    ]),
                ]))
        // Codable writes the same JSON as jsonValue, and both read back to the same profile.
        for value in [full, profile(), SeccompProfile(defaultAction: "")] {
            let encoded = try JSONEncoder().encode(value)
            #expect(try JSONDecoder().decode(JSONValue.self, from: encoded) == value.jsonValue)
            #expect(try SeccompProfile(json: value.jsonValue) == value)
        }
        #expect(SeccompProfile(defaultAction: "").jsonValue == .object(["defaultAction": .string("")]))
    }

    @Test("matches containerd 1.6.20's config.json for ctr run --seccomp (amd64)", .enabled(if: isAMD64, "amd64 fixture"))
    func matchesContainerd() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/containerd-default-seccomp-amd64.json")
        let data = try Data(contentsOf: fixture)
        let spec = DefaultSpec.linux(namespace: "default", containerID: "c1")
        let ours = SeccompProfile.containerdDefault(for: spec, kernel: Self.newKernel)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == ours.jsonValue)
        #expect(try JSONDecoder().decode(SeccompProfile.self, from: data) == ours)
    }

    // MARK: options

    @Test("seccompDefault uses the capabilities the spec has when it runs")
    func seccompDefaultOption() throws {
        var spec = DefaultSpec.linux(namespace: "default", containerID: "c1")
        try spec.apply(.addedCapabilities(["CAP_SYS_ADMIN"]), .seccompDefault)
        let withAdmin = try SeccompProfile(json: try #require(spec.linux?.seccomp))
        #expect(unconditionallyAllowed(withAdmin).contains("mount"))
        #expect(withAdmin == SeccompProfile.containerdDefault(for: spec))

        var before = DefaultSpec.linux(namespace: "default", containerID: "c1")
        try before.apply(.seccompDefault, .addedCapabilities(["CAP_SYS_ADMIN"]))
        let withoutAdmin = try SeccompProfile(json: try #require(before.linux?.seccomp))
        #expect(!allowedAtAll(withoutAdmin).contains("mount"))

        // It creates the linux section, and survives the spec's own encoding.
        var bare = Spec()
        try bare.apply(.seccompDefault)
        #expect(try SeccompProfile(json: try #require(bare.linux?.seccomp)) == SeccompProfile.containerdDefault(for: Spec()))
        #expect(try Spec.decode(spec.jsonData()) == spec)
        // And seccompUnconfined takes it away again.
        try spec.apply(.seccompUnconfined)
        #expect(spec.linux?.seccomp == nil)
    }

    @Test("seccompProfile(path:) stores the file decoded as runtime-spec's LinuxSeccomp, as containerd does")
    func seccompProfileOption() throws {
        let directory = try TemporaryDirectory()
        // What ctr --seccomp-profile stored for this file: unknown keys and empty values gone.
        let file = try directory.write(
            "profile.json",
            """
            {"defaultAction":"SCMP_ACT_LOG","archMap":[{"architecture":"x"}],"flags":[],"listenerPath":"",
             "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","comment":"c","args":[],"errnoRet":1},
             {"names":["x"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":2,"valueTwo":0,"op":"SCMP_CMP_EQ"}]}]}
            """)
        var spec = Spec()
        try spec.apply(.seccompProfile(path: file.path))
        #expect(
            spec.linux?.seccomp
                == .object([
                    "defaultAction": .string("SCMP_ACT_LOG"),
                    "syscalls": .array([
                        .object(["names": .array([.string("read")]), "action": .string("SCMP_ACT_ALLOW"), "errnoRet": .int(1)]),
                        .object([
                            "names": .array([.string("x")]), "action": .string("SCMP_ACT_ERRNO"),
                            "args": .array([.object(["index": .int(1), "value": .int(2), "op": .string("SCMP_CMP_EQ")])]),
                        ]),
                    ]),
                ]))

        // The fixture, loaded as a profile file, gives the default profile back.
        if Self.isAMD64 {
            let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures/containerd-default-seccomp-amd64.json")
            var loaded = Spec()
            try loaded.apply(.seccompProfile(path: fixture.path))
            #expect(loaded.linux?.seccomp == profile().jsonValue)
        }

        // null leaves containerd's empty LinuxSeccomp.
        let null = try directory.write("null.json", "null")
        var nullSpec = Spec()
        try nullSpec.apply(.seccompProfile(path: null.path))
        #expect(nullSpec.linux?.seccomp == .object(["defaultAction": .string("")]))
    }

    @Test("seccompProfile(path:) fails clearly on a missing or invalid file")
    func seccompProfileErrors() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.path + "/missing.json"
        var spec = Spec()
        let error = #expect(throws: SpecError.self) { try spec.apply(.seccompProfile(path: missing)) }
        #expect(error == .system(operation: "cannot load seccomp profile: open", path: missing, errno: ENOENT))
        #expect(error?.isNotExist == true)
        #expect(error?.description == "cannot load seccomp profile: open \(missing): No such file or directory")
        #expect(spec.linux == nil)

        for (name, text) in [("bad.json", "{\"defaultAction\": "), ("type.json", "{\"defaultAction\": 5}"), ("empty.json", "")] {
            let file = try directory.write(name, text)
            let error = #expect(throws: SpecError.self) { try spec.apply(.seccompProfile(path: file.path)) }
            guard case .invalidArgument(let message)? = error else {
                Issue.record("\(name): \(String(describing: error))")
                continue
            }
            #expect(message.hasPrefix("decoding seccomp profile failed \"\(file.path)\": "))
        }
        #expect(spec.linux == nil)

        // A directory cannot be read either.
        #expect(throws: SpecError.self) { try spec.apply(.seccompProfile(path: directory.path)) }
    }
}
