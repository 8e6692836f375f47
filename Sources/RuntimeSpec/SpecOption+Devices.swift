extension SpecOption {
    /// WithHostDevices: every device node of the host's /dev (read when applied).
    public static var hostDevices: SpecOption {
        SpecOption { spec in
            let devices = try HostDevices.devices()
            spec.updateLinux { $0.devices += devices }
        }
    }

    /// WithDevices (ctr --device): the device at `path`, or all under it if a directory, with a cgroup rule
    /// granting `permissions` ("rwm") to each. `containerPath` renames them in the container.
    public static func devices(path: String, containerPath: String = "", permissions: String) -> SpecOption {
        SpecOption { spec in
            let devices = try HostDevices.devices(at: path, containerPath: containerPath)
            spec.updateLinux { $0.devices += devices }
            spec.updateResources { resources in
                resources.devices += devices.map {
                    Spec.LinuxDeviceCgroup(allow: true, type: $0.type, major: $0.major, minor: $0.minor, access: permissions)
                }
            }
        }
    }

    /// WithAllDevicesAllowed: one cgroup rule granting rwm on every device.
    public static var allDevicesAllowed: SpecOption {
        SpecOption { spec in spec.updateResources { $0.devices = [Spec.LinuxDeviceCgroup(allow: true, access: "rwm")] } }
    }

    /// WithParentCgroupDevices: no device rules; the parent cgroup's apply.
    public static var parentCgroupDevices: SpecOption {
        SpecOption { spec in spec.updateResources { $0.devices = [] } }
    }

    /// WithDefaultUnixDevices: cgroup rules for /dev/null, random, full, tty, zero, urandom, console, the ptys
    /// and ptmx (ctr run always applies it).
    public static var defaultUnixDevices: SpecOption {
        let allowed: [(major: Int64, minor: Int64?)] = [(1, 3), (1, 8), (1, 7), (5, 0), (1, 5), (1, 9), (5, 1), (136, nil), (5, 2)]
        let rules = allowed.map { Spec.LinuxDeviceCgroup(allow: true, type: "c", major: $0.major, minor: $0.minor, access: "rwm") }
        return SpecOption { spec in spec.updateResources { $0.devices += rules } }
    }

    /// WithLinuxDevices: adds device nodes as given.
    public static func linuxDevices(_ devices: [Spec.LinuxDevice]) -> SpecOption {
        SpecOption { spec in spec.updateLinux { $0.devices += devices } }
    }
}
