import Glibc

/// Why a spec option failed. Descriptions follow containerd's messages so users see familiar text.
public enum SpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A user named in USER or `.user` is not in the rootfs' /etc/passwd (containerd's ErrNoUsersFound).
    case noUsersFound(user: String)
    /// A group named in USER or `.user` is not in the rootfs' /etc/group (containerd's ErrNoGroupsFound).
    case noGroupsFound(group: String)
    /// User lookups need the rootfs, and neither an explicit one nor an absolute `root.path` was given.
    case rootfsPathRequired
    case invalidUser(String)
    case invalidMount(String)
    case invalidArgument(String)
    /// The spec has no `linux` section, which an option for Linux containers needs.
    case linuxSectionRequired
    /// A file system call failed; `path` is the host path.
    case system(operation: String, path: String, errno: Int32)
    /// More than 255 symlinks while resolving a path inside the rootfs.
    case tooManyLinks(path: String)

    public var description: String {
        switch self {
        case .noUsersFound(let user): "unable to find user \(user): no users found"
        case .noGroupsFound(let group): "unable to find group \(group): no groups found"
        case .rootfsPathRequired: "rootfs absolute path is required"
        case .invalidUser(let user): "invalid USER value \(user)"
        case .invalidMount(let message): message
        case .invalidArgument(let message): message
        case .linuxSectionRequired: "spec does not contain Linux or Windows section"
        case .system(let operation, let path, let errno): "\(operation) \(path): \(String(cString: strerror(errno)))"
        case .tooManyLinks(let path): "resolve \(path): too many links"
        }
    }

    /// Go's os.IsNotExist: the options that tolerate a missing /etc/passwd or /etc/group test this.
    var isNotExist: Bool {
        if case .system(_, _, let errno) = self { return errno == ENOENT }
        return false
    }
}
