extension SpecOption {
    /// WithMounts: appends the mounts.
    public static func mounts(_ mounts: [Spec.Mount]) -> SpecOption {
        SpecOption { spec in spec.mounts += mounts }
    }

    /// ctr's --mount flags (see `Spec.Mount(mountFlag:)`), parsed when applied and appended.
    public static func mounts(flags: [String]) -> SpecOption {
        SpecOption { spec in spec.mounts += try flags.map { try Spec.Mount(mountFlag: $0) } }
    }

    /// WithoutMounts: removes the mounts whose cleaned destination is one of `destinations`.
    public static func withoutMounts(_ destinations: [String]) -> SpecOption {
        SpecOption { spec in spec.mounts.removeAll { destinations.contains(GoPath.clean($0.destination)) } }
    }

    /// WithHostHostsFile: the host's /etc/hosts, bind-mounted read-only (ctr --net-host).
    public static var hostHostsFile: SpecOption { hostFile("/etc/hosts") }

    /// WithHostResolvconf: the host's /etc/resolv.conf, bind-mounted read-only (ctr --net-host).
    public static var hostResolvconf: SpecOption { hostFile("/etc/resolv.conf") }

    /// WithHostLocaltime: the host's /etc/localtime, bind-mounted read-only.
    public static var hostLocaltime: SpecOption { hostFile("/etc/localtime") }

    private static func hostFile(_ path: String) -> SpecOption {
        mounts([Spec.Mount(destination: path, type: "bind", source: path, options: ["rbind", "ro"])])
    }

    /// WithDevShmSize: the size of the /dev/shm tmpfs in KiB; an error when the spec has no such mount.
    public static func devShmSize(kib: Int64) -> SpecOption {
        SpecOption { spec in
            guard let index = spec.mounts.firstIndex(where: {
                GoPath.clean($0.destination) == "/dev/shm" && $0.source == "shm" && $0.type == "tmpfs"
            }) else { throw SpecError.invalidArgument("no /dev/shm mount specified") }
            spec.mounts[index].options.removeAll { $0.hasPrefix("size=") }
            spec.mounts[index].options.append("size=\(kib)k")
        }
    }

    /// WithRootFSPath: the rootfs directory, relative to the bundle or absolute.
    public static func rootFSPath(_ path: String) -> SpecOption {
        SpecOption { spec in spec.updateRoot { $0.path = path } }
    }

    /// WithRootFSReadonly.
    public static var rootFSReadonly: SpecOption {
        SpecOption { spec in spec.updateRoot { $0.readonly = true } }
    }
}
