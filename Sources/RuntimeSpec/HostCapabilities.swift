import Foundation

/// Linux capability names by number, and the capabilities of the calling process (containerd's pkg/cap).
public enum HostCapabilities {
    /// Every capability containerd 1.6 knows, in bit order (Linux 5.9).
    public static let known = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    /// The names of the bits set in `bitmap`, lowest first; bits without a known name are left out.
    public static func names(bitmap: UInt64) -> [String] {
        known.indices.filter { bitmap >> UInt64($0) & 1 == 1 }.map { known[$0] }
    }

    /// The effective capabilities of this process (`CapEff` of /proc/self/status), as cap.Current does.
    public static func current(statusFile: String = "/proc/self/status") throws -> [String] {
        let status: String
        do {
            status = try String(contentsOfFile: statusFile, encoding: .utf8)
        } catch {
            throw SpecError.invalidArgument("read \(statusFile): \(error)")
        }
        for line in status.split(separator: "\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == "CapEff" else { continue }
            let hex = pair[1].trimmingCharacters(in: .whitespaces)
            guard let bitmap = UInt64(hex, radix: 16) else {
                throw SpecError.invalidArgument("failed to parse line \"\(line)\"")
            }
            return names(bitmap: bitmap)
        }
        return []
    }
}
