import BerthAPI
import Glibc

/// Notices the kernel's OOM killer in the container's memory cgroup, so the shim can publish /tasks/oom as
/// containerd-shim-runc-v2 does: an eventfd registered on `memory.oom_control` (cgroup v1), or inotify on
/// `memory.events` whose `oom_kill` count went up (cgroup v2).
final class OOMWatch {
    private let loop: EventLoop
    private let fd: Int32
    private var token = 0
    private var eventsFile = ""
    private var lastKills: UInt64 = 0

    /// nil when the process has no memory cgroup to watch (or the kernel refuses).
    init?(pid: Int32, loop: EventLoop, onOOM: @escaping () -> Void) {
        self.loop = loop
        let groups = CgroupStats.cgroups(ofProcess: pid)
        if let path = groups["memory"] {
            guard let fd = Self.registerV1(directory: "\(CgroupStats.mountPoint)/memory\(path == "/" ? "" : path)") else {
                return nil
            }
            self.fd = fd
            token = loop.watch(fd, Int16(POLLIN)) { [unowned self] _ in
                var count: UInt64 = 0
                guard read(self.fd, &count, 8) == 8 else { return }
                onOOM()
            }
        } else if let path = groups[""] {
            eventsFile = "\(CgroupStats.mountPoint)\(path == "/" ? "" : path)/memory.events"
            let fd = inotify_init1(O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0, inotify_add_watch(fd, eventsFile, UInt32(IN_MODIFY)) >= 0 else {
                if fd >= 0 { Glibc.close(fd) }
                return nil
            }
            self.fd = fd
            lastKills = Self.oomKills(eventsFile)
            token = loop.watch(fd, Int16(POLLIN)) { [unowned self] _ in
                var buffer = [UInt8](repeating: 0, count: 4096)
                while read(self.fd, &buffer, buffer.count) > 0 {}
                let kills = Self.oomKills(self.eventsFile)
                if kills > self.lastKills { onOOM() }
                self.lastKills = kills
            }
        } else {
            return nil
        }
    }

    /// cgroup v1's notification API: write "<eventfd> <oom_control fd>" to cgroup.event_control.
    private static func registerV1(directory: String) -> Int32? {
        // eventfd(2) is declared in a header Swift's Glibc module leaves out; it takes no variadic arguments.
        typealias EventFD = @convention(c) (UInt32, Int32) -> Int32
        guard let symbol = dlsym(nil, "eventfd") else { return nil }
        let eventfd = unsafeBitCast(symbol, to: EventFD.self)
        let fd = eventfd(0, O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        let control = open(directory + "/memory.oom_control", O_RDONLY | O_CLOEXEC)
        guard control >= 0 else {
            Glibc.close(fd)
            return nil
        }
        // The registration lives as long as the eventfd; oom_control's descriptor may go.
        defer { Glibc.close(control) }
        let registration = open(directory + "/cgroup.event_control", O_WRONLY | O_CLOEXEC)
        defer { if registration >= 0 { Glibc.close(registration) } }
        guard registration >= 0, Sys.writeAll(registration, Array("\(fd) \(control)".utf8)) else {
            Glibc.close(fd)
            return nil
        }
        return fd
    }

    static func oomKills(_ path: String) -> UInt64 {
        CgroupStats.keyValues(path)["oom_kill"] ?? 0
    }

    func close() {
        loop.unwatch(token)
        Glibc.close(fd)
    }
}
