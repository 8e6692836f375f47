#if canImport(Glibc)
import Glibc
#endif

/// A mount's option list as mount(2) takes it (containerd's parseMountOptions): known flag names set or clear
/// mount flags, the rest is the filesystem's data string.
public struct MountOptions: Equatable, Sendable {
    public static let readOnly: UInt = 0x1
    public static let remount: UInt = 0x20
    public static let bind: UInt = 0x1000
    public static let recursive: UInt = 0x4000

    public var flags: UInt
    public var data: String

    public init(_ options: [String]) {
        var flags: UInt = 0
        var data: [String] = []
        for option in options {
            if let (clear, flag) = Self.flagOptions[option] {
                flags = clear ? flags & ~flag : flags | flag
            } else {
                data.append(option)
            }
        }
        self.flags = flags
        self.data = data.joined(separator: ",")
    }

    /// A bind mount ignores MS_RDONLY on creation: read-only takes a second, remounting call.
    public var needsReadOnlyRemount: Bool {
        flags & Self.bind != 0 && flags & Self.readOnly != 0
    }

    #if canImport(Glibc)
    /// mount(2) of `source` on `target` with these options, then the read-only remount a bind needs (undone
    /// again if that fails). Returns nil, or the step that failed and its errno.
    public func mount(type: String, source: String, on target: String) -> (step: String, code: Int32)? {
        let mounted = data.withCString { data in
            Glibc.mount(source, target, type, flags, data.pointee == 0 ? nil : UnsafeRawPointer(data))
        }
        guard mounted == 0 else { return ("mount \(type) \(source) on \(target)", errno) }
        if needsReadOnlyRemount {
            guard Glibc.mount("", target, "", flags | Self.remount, nil) == 0 else {
                let code = errno
                _ = umount2(target, Int32(MNT_DETACH))
                return ("remount \(target) read-only", code)
            }
        }
        return nil
    }
    #endif

    /// Option name → (clears the flag, flag).
    static let flagOptions: [String: (Bool, UInt)] = [
        "async": (true, 0x10), "atime": (true, 0x400), "bind": (false, bind), "defaults": (false, 0),
        "dev": (true, 0x4), "diratime": (true, 0x800), "dirsync": (false, 0x80), "exec": (true, 0x8),
        "mand": (false, 0x40), "noatime": (false, 0x400), "nodev": (false, 0x4), "nodiratime": (false, 0x800),
        "noexec": (false, 0x8), "nomand": (true, 0x40), "norelatime": (true, 0x200000),
        "nostrictatime": (true, 0x1000000), "nosuid": (false, 0x2), "rbind": (false, bind | recursive),
        "relatime": (false, 0x200000), "remount": (false, remount), "ro": (false, readOnly), "rw": (true, readOnly),
        "strictatime": (false, 0x1000000), "suid": (true, 0x2), "sync": (false, 0x10),
    ]
}
