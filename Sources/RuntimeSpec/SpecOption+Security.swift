extension SpecOption {
    /// WithPrivileged: this process's capabilities, no masked or read-only paths, writable sysfs and cgroupfs,
    /// and no SELinux label, AppArmor profile or seccomp filter. ctr --privileged adds `.allDevicesAllowed` and
    /// `.hostDevices`.
    public static var privileged: SpecOption {
        compose([
            .allCurrentCapabilities, .maskedPaths([]), .readonlyPaths([]), .writableSysfs, .writableCgroupfs,
            .selinuxLabel(""), .apparmorProfile(""), .seccompUnconfined,
        ])
    }

    /// WithMaskedPaths.
    public static func maskedPaths(_ paths: [String]) -> SpecOption {
        SpecOption { spec in spec.updateLinux { $0.maskedPaths = paths } }
    }

    /// WithReadonlyPaths.
    public static func readonlyPaths(_ paths: [String]) -> SpecOption {
        SpecOption { spec in spec.updateLinux { $0.readonlyPaths = paths } }
    }

    /// WithWriteableSysfs: "ro" becomes "rw" in sysfs mounts.
    public static var writableSysfs: SpecOption { writable(mountType: "sysfs") }

    /// WithWriteableCgroupfs: "ro" becomes "rw" in cgroup mounts.
    public static var writableCgroupfs: SpecOption { writable(mountType: "cgroup") }

    private static func writable(mountType: String) -> SpecOption {
        SpecOption { spec in
            for index in spec.mounts.indices where spec.mounts[index].type == mountType {
                spec.mounts[index].options = spec.mounts[index].options.map { $0 == "ro" ? "rw" : $0 }
            }
        }
    }

    /// WithSelinuxLabel.
    public static func selinuxLabel(_ label: String) -> SpecOption {
        SpecOption { spec in spec.updateProcess { $0.selinuxLabel = label } }
    }

    /// WithApparmorProfile (also contrib/apparmor's WithProfile, which ctr --apparmor-profile uses).
    public static func apparmorProfile(_ profile: String) -> SpecOption {
        SpecOption { spec in spec.updateProcess { $0.apparmorProfile = profile } }
    }

    /// WithSeccompUnconfined: no seccomp filter.
    public static var seccompUnconfined: SpecOption {
        SpecOption { spec in spec.updateLinux { $0.seccomp = nil } }
    }

    /// WithNewPrivileges: turns off no_new_privs (ctr --allow-new-privs).
    public static var newPrivileges: SpecOption {
        SpecOption { spec in spec.updateProcess { $0.noNewPrivileges = false } }
    }

    /// WithNoNewPrivileges.
    public static var noNewPrivileges: SpecOption {
        SpecOption { spec in spec.updateProcess { $0.noNewPrivileges = true } }
    }
}
