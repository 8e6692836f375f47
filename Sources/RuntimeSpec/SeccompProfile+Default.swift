import Glibc

// Ported from containerd 1.6's contrib/seccomp (seccomp_default.go and kernelversion/kernel_linux.go,
// Copyright The containerd Authors, Apache License 2.0). The rules come out in the order Go appends them, so the
// JSON equals what `ctr run --seccomp` puts in config.json.

extension SeccompProfile {
    /// containerd's `seccomp.DefaultProfile`: everything not allowed fails with EPERM (SCMP_ACT_ERRNO and no
    /// defaultErrnoRet, which runc takes as EPERM); the allow list, widened by the capabilities in the process's
    /// bounding set, for the architecture this was built for.
    ///
    /// `spec` is read, not changed: only `process.capabilities.bounding` matters (a spec without process or
    /// capabilities, on which Go would crash, counts as an empty set). `kernel` decides the ptrace rule.
    public static func containerdDefault(for spec: Spec, kernel: KernelVersion = .running) -> SeccompProfile {
        containerdDefault(for: spec, kernel: kernel, goarch: goarch)
    }

    /// The port proper, for a given Go `runtime.GOARCH`, so that tests can reach other architectures' branches.
    static func containerdDefault(for spec: Spec, kernel: KernelVersion, goarch: String) -> SeccompProfile {
        var syscalls = [allow(containerdDefaultAllowed)]
        // personality(2) only to set PER_LINUX, PER_LINUX32, UNAME26, PER_LINUX32|UNAME26, or to query (0xffffffff).
        for persona: UInt64 in [0x0, 0x0008, 0x20000, 0x20008, 0xffff_ffff] {
            syscalls.append(
                Syscall(names: ["personality"], action: Action.allow, args: [Arg(index: 0, value: persona, op: Operator.equalTo)])
            )
        }
        var profile = SeccompProfile(
            defaultAction: Action.errno, architectures: architectures(goarch: goarch), syscalls: syscalls)

        // Include by kernel version: before 4.8 ptrace could be used to get around seccomp.
        if kernel >= KernelVersion(kernel: 4, major: 8) {
            profile.syscalls.append(allow(["ptrace"]))
        }

        // Include by architecture.
        switch goarch {
        case "ppc64le":
            profile.syscalls.append(allow(["sync_file_range2", "swapcontext"]))
        case "arm", "arm64":
            profile.syscalls.append(
                allow(["arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls"]))
        case "amd64":
            profile.syscalls.append(allow(["arch_prctl", "modify_ldt"]))
        case "386":
            profile.syscalls.append(allow(["modify_ldt"]))
        case "s390", "s390x":
            profile.syscalls.append(allow(["s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"]))
        case "riscv64":
            profile.syscalls.append(allow(["riscv_flush_icache"]))
        default:
            break
        }

        // Include by capability, in the order of the bounding set (a capability listed twice adds its rule twice).
        var admin = false
        for capability in spec.process?.capabilities?.bounding ?? [] {
            switch capability {
            case "CAP_DAC_READ_SEARCH":
                profile.syscalls.append(allow(["open_by_handle_at"]))
            case "CAP_SYS_ADMIN":
                admin = true
                profile.syscalls.append(
                    allow([
                        "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
                        "lookup_dcookie", "mount", "mount_setattr", "move_mount", "name_to_handle_at", "open_tree",
                        "perf_event_open", "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog",
                        "umount", "umount2", "unshare",
                    ]))
            case "CAP_SYS_BOOT":
                profile.syscalls.append(allow(["reboot"]))
            case "CAP_SYS_CHROOT":
                profile.syscalls.append(allow(["chroot"]))
            case "CAP_SYS_MODULE":
                profile.syscalls.append(allow(["delete_module", "init_module", "finit_module"]))
            case "CAP_SYS_PACCT":
                profile.syscalls.append(allow(["acct"]))
            case "CAP_SYS_PTRACE":
                profile.syscalls.append(
                    allow(["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"]))
            case "CAP_SYS_RAWIO":
                profile.syscalls.append(allow(["iopl", "ioperm"]))
            case "CAP_SYS_TIME":
                profile.syscalls.append(allow(["settimeofday", "stime", "clock_settime", "clock_settime64"]))
            case "CAP_SYS_TTY_CONFIG":
                profile.syscalls.append(allow(["vhangup"]))
            case "CAP_SYS_NICE":
                profile.syscalls.append(allow(["get_mempolicy", "mbind", "set_mempolicy"]))
            case "CAP_SYSLOG":
                profile.syscalls.append(allow(["syslog"]))
            case "CAP_BPF":
                profile.syscalls.append(allow(["bpf"]))
            case "CAP_PERFMON":
                profile.syscalls.append(allow(["perf_event_open"]))
            default:
                break
            }
        }

        if !admin {
            // clone(2) without any CLONE_NEW* flag. The flags are the first argument, but the second on s390.
            let flagsIndex: UInt = goarch == "s390" || goarch == "s390x" ? 1 : 0
            profile.syscalls.append(
                Syscall(
                    names: ["clone"], action: Action.allow,
                    args: [Arg(index: flagsIndex, value: cloneNamespaceFlags, valueTwo: 0, op: Operator.maskedEqual)]))
            // clone3 gets ENOSYS rather than EPERM, so that libcs fall back to clone (moby/moby#42681).
            profile.syscalls.append(Syscall(names: ["clone3"], action: Action.errno, errnoRet: UInt(ENOSYS)))
        }
        return profile
    }

    /// CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP
    /// (linux/sched.h, the same on every architecture).
    static let cloneNamespaceFlags: UInt64 =
        0x0002_0000 | 0x0400_0000 | 0x0800_0000 | 0x1000_0000 | 0x2000_0000 | 0x4000_0000 | 0x0200_0000

    private static func allow(_ names: [String]) -> Syscall {
        Syscall(names: names, action: Action.allow)
    }

    /// arches(): the architectures a container of `goarch` may make syscalls for. The mips64n32, mipsel64 and
    /// mipsel64n32 cases are in Go's switch although no GOARCH has those names; Go's mips64le falls to the empty
    /// default, as do 386, arm and ppc64le (and an empty list is left out of the JSON).
    static func architectures(goarch: String) -> [String] {
        switch goarch {
        case "amd64": [Arch.x86_64, Arch.x86, Arch.x32]
        case "arm64": [Arch.arm, Arch.aarch64]
        case "mips64", "mips64n32": [Arch.mips, Arch.mips64, Arch.mips64n32]
        case "mipsel64", "mipsel64n32": [Arch.mipsel, Arch.mipsel64, Arch.mipsel64n32]
        case "s390x": [Arch.s390, Arch.s390x]
        // SCMP_ARCH_RISCV32 does not exist.
        case "riscv64": [Arch.riscv64]
        default: []
        }
    }

    /// Go's `runtime.GOARCH` for the architecture this was compiled for.
    static var goarch: String {
        #if arch(x86_64)
            "amd64"
        #elseif arch(arm64)
            "arm64"
        #elseif arch(i386)
            "386"
        #elseif arch(arm)
            "arm"
        #elseif arch(powerpc64le)
            "ppc64le"
        #elseif arch(powerpc64)
            "ppc64"
        #elseif arch(s390x)
            "s390x"
        #elseif arch(riscv64)
            "riscv64"
        #elseif arch(mips64)
            "mips64"
        #elseif arch(mips64el)
            "mips64le"
        #else
            ""
        #endif
    }
}

extension SeccompProfile {
    /// contrib/seccomp/kernelversion's KernelVersion: the first two numbers of a kernel release, which is all the
    /// profile compares ("3.12.25-gentoo" and "3.12-1-amd64" are both 3.12).
    public struct KernelVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// The "4" in "4.1.2-generic".
        public var kernel: UInt64
        /// The "1" in "4.1.2-generic".
        public var major: UInt64

        public init(kernel: UInt64, major: UInt64) {
            self.kernel = kernel
            self.major = major
        }

        /// parseRelease: `fmt.Sscanf(release, "%d.%d")`, so leading blanks are skipped, each number needs at least
        /// one digit and whatever follows the second is ignored. Nil when that fails.
        public init?(release: String) {
            var rest = Substring(release)
            guard let kernel = Self.scanNumber(&rest), rest.first == "." else { return nil }
            rest = rest.dropFirst()
            guard let major = Self.scanNumber(&rest) else { return nil }
            self.init(kernel: kernel, major: major)
        }

        /// The running kernel's, from uname(2), read once. When uname fails or its release does not parse, 0.0,
        /// which is below every minimum: the rules Go leaves out when kernelversion returns an error are left out.
        public static let running: KernelVersion = {
            var names = utsname()
            guard uname(&names) == 0 else { return KernelVersion(kernel: 0, major: 0) }
            let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return KernelVersion(release: release) ?? KernelVersion(kernel: 0, major: 0)
        }()

        /// Go's String(): "kernel.major", or "" for 0.0.
        public var description: String {
            kernel > 0 || major > 0 ? "\(kernel).\(major)" : ""
        }

        public static func < (lhs: KernelVersion, rhs: KernelVersion) -> Bool {
            (lhs.kernel, lhs.major) < (rhs.kernel, rhs.major)
        }

        /// One `%d` into a uint64: blanks skipped, then decimal digits; nil without digits or on overflow.
        private static func scanNumber(_ text: inout Substring) -> UInt64? {
            text = text.drop { $0 == " " || $0 == "\t" }
            let digits = text.prefix { $0.isASCII && $0.isNumber }
            text = text.dropFirst(digits.count)
            return digits.isEmpty ? nil : UInt64(digits)
        }
    }
}
