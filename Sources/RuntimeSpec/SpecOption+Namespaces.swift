extension SpecOption {
    /// WithHostNamespace: the container shares the host's namespace of `type` (its entry is removed).
    public static func hostNamespace(_ type: Spec.LinuxNamespaceType) -> SpecOption {
        SpecOption { spec in
            spec.updateLinux { linux in
                if let index = linux.namespaces.firstIndex(where: { $0.type == type }) { linux.namespaces.remove(at: index) }
            }
        }
    }

    /// WithLinuxNamespace: replaces the namespace of the same type, or adds it (ctr --with-ns type:path).
    public static func linuxNamespace(_ namespace: Spec.LinuxNamespace) -> SpecOption {
        SpecOption { spec in
            spec.updateLinux { linux in
                if let index = linux.namespaces.firstIndex(where: { $0.type == namespace.type }) {
                    linux.namespaces[index] = namespace
                } else {
                    linux.namespaces.append(namespace)
                }
            }
        }
    }

    /// WithUserNamespace: a user namespace with these mappings added (ctr --uidmap/--gidmap).
    public static func userNamespace(uidMappings: [Spec.LinuxIDMapping], gidMappings: [Spec.LinuxIDMapping]) -> SpecOption {
        SpecOption { spec in
            spec.updateLinux { linux in
                if !linux.namespaces.contains(where: { $0.type == .user }) {
                    linux.namespaces.append(Spec.LinuxNamespace(type: .user))
                }
                linux.uidMappings += uidMappings
                linux.gidMappings += gidMappings
            }
        }
    }

    /// WithNamespacedCgroup: cgroupsPath "/<namespace>/<containerID>".
    public static func namespacedCgroup(namespace: String, containerID: String) -> SpecOption {
        cgroup(GoPath.join("/", namespace, containerID))
    }

    /// WithCgroup: the cgroup path as given ("" leaves the choice to the runtime).
    public static func cgroup(_ path: String) -> SpecOption {
        SpecOption { spec in spec.updateLinux { $0.cgroupsPath = path } }
    }

    /// ctr --rootfs-propagation.
    public static func rootfsPropagation(_ propagation: String) -> SpecOption {
        SpecOption { spec in spec.updateLinux { $0.rootfsPropagation = propagation } }
    }
}
