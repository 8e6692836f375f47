import Foundation

// The user options read the container's /etc/passwd and /etc/group from `rootfs`, or, when it is nil, from
// `root.path` if absolute (containerd mounts the snapshot instead; Berth's callers pass the directory).
// Like containerd 1.6, each leaves the primary gid first in additionalGids (ensureAdditionalGids).

extension SpecOption {
    /// WithUser: an OCI image USER value, "uid", "name", "uid:gid", "name:group", "uid:group" or "name:gid".
    /// Numbers run up to Int32.max (runc's limit); other values are names looked up in the rootfs.
    public static func user(_ user: String, rootfs: URL? = nil) -> SpecOption {
        SpecOption { spec in
            let parts = user.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch parts.count {
            case 1:
                if let uid = numericID(parts[0]) {
                    try SpecOption.userID(uid, rootfs: rootfs).apply(to: &spec)
                } else {
                    try SpecOption.username(user, rootfs: rootfs).apply(to: &spec)
                }
            case 2:
                defer { spec.ensurePrimaryGIDListed() }
                spec.updateProcess { $0.user.additionalGids = [] }
                // A part that is not a number is a name; an empty one ("1000:") means 0, as in containerd.
                var (uid, gid) = (numericID(parts[0]) ?? 0, numericID(parts[1]) ?? 0)
                let username = numericID(parts[0]) == nil ? parts[0] : ""
                let groupname = numericID(parts[1]) == nil ? parts[1] : ""
                if !username.isEmpty || !groupname.isEmpty {
                    let accounts = RootfsAccounts(root: try lookupRoot(rootfs, spec))
                    if !username.isEmpty { uid = UInt32(truncatingIfNeeded: try accounts.user(named: username).uid) }
                    if !groupname.isEmpty { gid = try accounts.gid(ofGroup: groupname) }
                }
                spec.updateProcess { $0.user.uid = uid; $0.user.gid = gid }
            default:
                spec.updateProcess { $0.user.additionalGids = [] }
                spec.ensurePrimaryGIDListed()
                throw SpecError.invalidUser(user)
            }
        }
    }

    /// WithUserID: uid, and the gid of the first /etc/passwd entry with that uid; gid 0 when there is no such
    /// entry or no /etc/passwd.
    public static func userID(_ uid: UInt32, rootfs: URL? = nil) -> SpecOption {
        SpecOption { spec in
            defer { spec.ensurePrimaryGIDListed() }
            spec.updateProcess { $0.user.additionalGids = [] }
            let accounts = RootfsAccounts(root: try lookupRoot(rootfs, spec))
            var gid: UInt32 = 0
            do {
                if let entry = try accounts.users(where: { $0.uid == Int(uid) }).first {
                    gid = UInt32(truncatingIfNeeded: entry.gid)
                }
            } catch let error as SpecError where error.isNotExist {}
            spec.updateProcess { $0.user.uid = uid; $0.user.gid = gid }
        }
    }

    /// WithUsername: the uid and gid of the user `name` in /etc/passwd, which must exist.
    public static func username(_ name: String, rootfs: URL? = nil) -> SpecOption {
        SpecOption { spec in
            defer { spec.ensurePrimaryGIDListed() }
            spec.updateProcess { $0.user.additionalGids = [] }
            let entry = try RootfsAccounts(root: try lookupRoot(rootfs, spec)).user(named: name)
            spec.updateProcess {
                $0.user.uid = UInt32(truncatingIfNeeded: entry.uid)
                $0.user.gid = UInt32(truncatingIfNeeded: entry.gid)
            }
        }
    }

    /// WithUIDGID: no lookup.
    public static func uidGID(_ uid: UInt32, _ gid: UInt32) -> SpecOption {
        SpecOption { spec in
            spec.updateProcess { $0.user = Spec.User(uid: uid, gid: gid, umask: $0.user.umask, username: $0.user.username) }
            spec.ensurePrimaryGIDListed()
        }
    }

    /// WithAdditionalGIDs: additionalGids from the /etc/group memberships of `user` (a name, or a uid whose
    /// /etc/passwd name is used); none when the user or the files are missing.
    public static func additionalGIDs(of user: String, rootfs: URL? = nil) -> SpecOption {
        SpecOption { spec in
            spec.updateProcess { $0.user.additionalGids = [] }
            let accounts = RootfsAccounts(root: try lookupRoot(rootfs, spec))
            defer { spec.ensurePrimaryGIDListed() }
            var username = user
            if let uid = Int(user) {
                do {
                    guard let entry = try accounts.users(where: { $0.uid == uid }).first else { return }
                    username = entry.name
                } catch let error as SpecError where error.isNotExist {
                    return
                }
            }
            do {
                let gids = try accounts.supplementaryGIDs(of: username)
                spec.updateProcess { $0.user.additionalGids = gids }
            } catch let error as SpecError where error.isNotExist {}
        }
    }

    /// A USER part as containerd reads it: a decimal in 0...Int32.max, or nil for a name.
    private static func numericID(_ text: String) -> UInt32? {
        guard let value = Int(text), (0...Int(Int32.max)).contains(value) else { return nil }
        return UInt32(value)
    }

    /// Where /etc/passwd is read from: `rootfs`, else an absolute `root.path`.
    private static func lookupRoot(_ rootfs: URL?, _ spec: Spec) throws -> String {
        if let rootfs { return rootfs.path }
        guard let path = spec.root?.path, path.hasPrefix("/") else { throw SpecError.rootfsPathRequired }
        return path
    }
}

extension Spec {
    /// containerd's ensureAdditionalGids: the primary gid leads additionalGids unless already listed.
    mutating func ensurePrimaryGIDListed() {
        updateProcess { process in
            if !process.user.additionalGids.contains(process.user.gid) {
                process.user.additionalGids.insert(process.user.gid, at: 0)
            }
        }
    }
}
