import BerthAPI
import BerthCore
import Glibc

/// The container's root filesystem: the request's mounts (an overlay, or a bind of one directory) mounted
/// onto `<bundle>/rootfs` with mount(2), as containerd's mount.All does, and unmounted again at delete.
struct RootfsMount: Equatable {
    static let readOnly: UInt = 0x1
    static let remount: UInt = 0x20
    static let bind: UInt = 0x1000
    static let recursive: UInt = 0x4000

    var type: String
    var source: String
    var flags: UInt
    var data: String

    /// containerd's parseMountOptions: known flag names set or clear mount flags, the rest is fs data.
    init(type: String, source: String, options: [String]) {
        self.type = type
        self.source = source
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

    /// The directory to mount from: overlay options too long for a page name their lower dirs relative to it.
    var workingDirectory: String?

    init(_ mount: Containerd_Types_Mount) {
        guard mount.type == "overlay" else {
            self.init(type: mount.type, source: mount.source, options: mount.options)
            return
        }
        let (options, directory) = OverlayLowerDirs.compacted(mount.options)
        self.init(type: mount.type, source: mount.source, options: options)
        workingDirectory = directory
    }

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

    func mount(on target: String) throws(ShimError) {
        let result = try inWorkingDirectory {
            data.withCString { data in
                Glibc.mount(source, target, type, flags, data.pointee == 0 ? nil : UnsafeRawPointer(data))
            }
        }
        guard result == 0 else { throw ShimError.system("mount \(type) \(source) on \(target)") }
        // A bind mount ignores MS_RDONLY on creation; read-only takes a remount.
        if flags & Self.bind != 0 && flags & Self.readOnly != 0 {
            guard Glibc.mount("", target, "", flags | Self.remount, nil) == 0 else {
                let code = errno
                _ = umount2(target, Int32(MNT_DETACH))
                throw ShimError.system("remount \(target) read-only", code)
            }
        }
    }

    /// Runs `body` from `workingDirectory`, then returns to where the shim was. The shim is one thread, so the
    /// change of directory is seen by nothing else (containerd forks a child for this; Go has many threads).
    private func inWorkingDirectory(_ body: () -> Int32) throws(ShimError) -> Int32 {
        guard let workingDirectory else { return body() }
        let previous = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard previous >= 0 else { throw ShimError.system("open the working directory") }
        defer { close(previous) }
        guard chdir(workingDirectory) == 0 else { throw ShimError.system("chdir \(workingDirectory)") }
        let result = body()
        let code = errno
        guard fchdir(previous) == 0 else { throw ShimError.system("return to the working directory") }
        errno = code
        return result
    }

    /// Mounts every layer in order; on failure the ones done are undone.
    static func mountAll(_ mounts: [Containerd_Types_Mount], on target: String) throws(ShimError) {
        var done = 0
        do {
            for mount in mounts {
                try RootfsMount(mount).mount(on: target)
                done += 1
            }
        } catch {
            for _ in 0..<done { _ = umount2(target, Int32(MNT_DETACH)) }
            throw error
        }
    }

    /// Unmounts everything stacked on `target` (containerd's UnmountAll); a busy mount is detached.
    static func unmountAll(_ target: String) {
        for _ in 0..<64 {
            if umount2(target, 0) == 0 { continue }
            if errno == EBUSY && umount2(target, Int32(MNT_DETACH)) == 0 { continue }
            return
        }
    }
}
