import Foundation
import Glibc

/// The device nodes of the host, as containerd's oci.HostDevices and getDevices list them for privileged
/// containers and --device.
public enum HostDevices {
    /// Directories of /dev that hold no devices to copy or are mounted separately in the container.
    private static let skippedDirectories: Set<String> = ["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"]

    /// All block and character devices under `path` (a directory, recursively, sorted by name) or the single
    /// device at `path`. `containerPath`, when set, replaces `path` in the device paths.
    public static func devices(at path: String = "/dev", containerPath: String = "") throws -> [Spec.LinuxDevice] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw SpecError.system(operation: "error stating device path", path: path, errno: errno) }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            guard var device = try device(at: path) else { throw SpecError.invalidArgument("\(path): not a device node") }
            if !containerPath.isEmpty { device.path = containerPath }
            return [device]
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw SpecError.invalidArgument("read directory \(path): \(error)")
        }
        var found: [Spec.LinuxDevice] = []
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let child = GoPath.join(path, name)
            var entry = stat()
            guard lstat(child, &entry) == 0 else { continue }  // gone since the listing
            if entry.st_mode & S_IFMT == S_IFDIR {
                guard !skippedDirectories.contains(name) else { continue }
                found += try devices(at: child, containerPath: containerPath.isEmpty ? "" : GoPath.join(containerPath, name))
            } else if name != "console", var device = try device(at: child), device.type != "p" {
                if !containerPath.isEmpty { device.path = GoPath.join(containerPath, name) }
                found.append(device)
            }
        }
        return found
    }

    /// The device node at `path` (not followed if a symlink), or nil when it is not a device or has gone.
    public static func device(at path: String) throws -> Spec.LinuxDevice? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw SpecError.system(operation: "lstat", path: path, errno: errno)
        }
        let type: String
        switch info.st_mode & S_IFMT {
        case S_IFBLK: type = "b"
        case S_IFCHR: type = "c"
        case S_IFIFO: type = "p"
        default: return nil
        }
        // golang.org/x/sys/unix Major and Minor for Linux's dev_t encoding.
        let rdev = UInt64(info.st_rdev)
        let major = (rdev & 0x0000_0000_000f_ff00) >> 8 | (rdev & 0xffff_f000_0000_0000) >> 32
        let minor = rdev & 0x0000_0000_0000_00ff | (rdev & 0x0000_0fff_fff0_0000) >> 12
        return Spec.LinuxDevice(
            path: path, type: type, major: Int64(major), minor: Int64(minor),
            fileMode: UInt32(info.st_mode & ~S_IFMT), uid: info.st_uid, gid: info.st_gid)
    }
}
