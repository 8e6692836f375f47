/// The spec containerd 1.6 starts every Linux container from (oci.populateDefaultUnixSpec, defaultMounts,
/// defaultUnixCaps, defaultUnixNamespaces), before any option is applied. `ctr oci spec` prints it.
public enum DefaultSpec {
    /// The PATH a process gets when neither the image nor the caller sets one (oci.defaultUnixEnv).
    public static let pathEnv = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    /// The rootfs directory, relative to the bundle.
    public static let rootfsPath = "rootfs"

    public static let capabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ]

    public static let namespaces: [Spec.LinuxNamespace] = [.pid, .ipc, .uts, .mount, .network].map {
        Spec.LinuxNamespace(type: $0)
    }

    public static let maskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
    ]

    public static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    public static let mounts: [Spec.Mount] = [
        Spec.Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
        Spec.Mount(
            destination: "/dev", type: "tmpfs", source: "tmpfs",
            options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        Spec.Mount(
            destination: "/dev/pts", type: "devpts", source: "devpts",
            options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        Spec.Mount(
            destination: "/dev/shm", type: "tmpfs", source: "shm",
            options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        Spec.Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
        Spec.Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
        Spec.Mount(
            destination: "/run", type: "tmpfs", source: "tmpfs",
            options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
    ]

    /// containerd's default Linux spec for container `containerID` in `namespace`. It sets no environment: PATH
    /// comes from the image config or `.defaultPathEnv`, as in containerd.
    public static func linux(namespace: String, containerID: String) -> Spec {
        Spec(
            ociVersion: Spec.version,
            process: Spec.Process(
                user: Spec.User(uid: 0, gid: 0),
                cwd: "/",
                capabilities: Spec.LinuxCapabilities(bounding: capabilities, effective: capabilities, permitted: capabilities),
                rlimits: [Spec.POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)],
                noNewPrivileges: true),
            root: Spec.Root(path: rootfsPath),
            mounts: mounts,
            linux: Spec.Linux(
                resources: Spec.LinuxResources(devices: [Spec.LinuxDeviceCgroup(allow: false, access: "rwm")]),
                cgroupsPath: GoPath.join("/", namespace, containerID),
                namespaces: namespaces,
                maskedPaths: maskedPaths,
                readonlyPaths: readonlyPaths))
    }
}
