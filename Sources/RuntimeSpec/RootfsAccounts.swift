/// The users and groups of a container's root filesystem (its /etc/passwd and /etc/group, read inside the
/// rootfs), and containerd's lookups over them (oci.UserFromPath, GIDFromPath, getSupplementalGroupsFromPath).
struct RootfsAccounts {
    let rootfs: RootfsPath

    init(root: String) { rootfs = RootfsPath(root: root) }

    /// The users matching `filter`, in file order. Throws a `.system` ENOENT error when there is no /etc/passwd.
    func users(where filter: (PasswdEntry) -> Bool) throws -> [PasswdEntry] {
        PasswdEntry.parse(try rootfs.read("/etc/passwd")).filter(filter)
    }

    func groups(where filter: (GroupEntry) -> Bool) throws -> [GroupEntry] {
        GroupEntry.parse(try rootfs.read("/etc/group")).filter(filter)
    }

    /// The first user named `name`; a missing user is an error, as for containerd's WithUsername.
    func user(named name: String) throws -> PasswdEntry {
        guard let user = try users(where: { $0.name == name }).first else { throw SpecError.noUsersFound(user: name) }
        return user
    }

    /// The gid of the first group named `name`.
    func gid(ofGroup name: String) throws -> UInt32 {
        guard let group = try groups(where: { $0.name == name }).first else { throw SpecError.noGroupsFound(group: name) }
        return UInt32(truncatingIfNeeded: group.gid)
    }

    /// The groups listing `username` as a member, except its own group of the same name.
    func supplementaryGIDs(of username: String) throws -> [UInt32] {
        try groups { $0.name != username && $0.members.contains(username) }.map { UInt32(truncatingIfNeeded: $0.gid) }
    }
}
