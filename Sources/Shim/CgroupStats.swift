import BerthAPI
import SwiftProtobuf

/// Task metrics read from the container's cgroup files, packed as containerd-shim-runc-v2 packs them:
/// `io.containerd.cgroups.v1.Metrics` on a cgroup v1 host, `io.containerd.cgroups.v2.Metrics` on v2.
enum CgroupStats {
    static let mountPoint = "/sys/fs/cgroup"

    /// `/proc/<pid>/cgroup`: controller list → path (v2's single hierarchy is under the key "").
    static func cgroups(ofProcess pid: Int32) -> [String: String] {
        guard let text = Sys.readText("/proc/\(pid)/cgroup") else { return [:] }
        return parse(text)
    }

    static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = String(fields[2])
            if fields[1].isEmpty {
                result[""] = path
            } else {
                for controller in fields[1].split(separator: ",") { result[String(controller)] = path }
            }
        }
        return result
    }

    static func metrics(ofProcess pid: Int32) throws(ShimError) -> Google_Protobuf_Any {
        let groups = cgroups(ofProcess: pid)
        guard !groups.isEmpty else { throw ShimError.notFound("cgroup of process \(pid)") }
        do {
            if groups["memory"] != nil || groups["cpuacct"] != nil || groups["pids"] != nil {
                return try EventForwarder.any(v1(groups))
            }
            return try EventForwarder.any(v2(groups[""] ?? "/"))
        } catch let error as ShimError {
            throw error
        } catch {
            throw ShimError(.internal, "encode metrics: \(error)")
        }
    }

    /// `key value` lines (memory.stat, cpu.stat) as a dictionary.
    static func keyValues(_ path: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in (Sys.readText(path) ?? "").split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let value = UInt64(fields[1]) { result[String(fields[0])] = value }
        }
        return result
    }

    /// One number in a file; "max" (no limit) reads as UInt64.max.
    static func number(_ path: String) -> UInt64 {
        let text = (Sys.readText(path) ?? "").trimmingWhitespace()
        return text == "max" ? UInt64.max : UInt64(text) ?? 0
    }

    private static func v1Directory(_ controller: String, _ groups: [String: String]) -> String {
        // cpu and cpuacct may be co-mounted in one hierarchy; containerd's cgroups library looks the same way.
        let path = groups[controller] ?? "/"
        let candidates = controller == "cpu" || controller == "cpuacct" ? [controller, "cpu,cpuacct", "cpuacct,cpu"] : [controller]
        let mounted = candidates.first { Sys.exists("\(mountPoint)/\($0)") } ?? controller
        return "\(mountPoint)/\(mounted)\(path == "/" ? "" : path)"
    }

    static func v1(_ groups: [String: String]) -> Io_Containerd_Cgroups_V1_Metrics {
        let memory = v1Directory("memory", groups)
        let cpu = v1Directory("cpuacct", groups)
        let cpuThrottle = v1Directory("cpu", groups)
        let pids = v1Directory("pids", groups)
        let stat = keyValues(memory + "/memory.stat")
        let cpuStat = keyValues(cpu + "/cpuacct.stat")
        let throttle = keyValues(cpuThrottle + "/cpu.stat")
        // cpuacct.stat counts USER_HZ ticks (100 a second); containerd reports nanoseconds.
        let nanosecondsPerTick: UInt64 = 10_000_000
        return .with {
            $0.pids.current = number(pids + "/pids.current")
            let limit = number(pids + "/pids.max")
            $0.pids.limit = limit == UInt64.max ? 0 : limit
            $0.cpu.usage.total = number(cpu + "/cpuacct.usage")
            $0.cpu.usage.user = (cpuStat["user"] ?? 0) * nanosecondsPerTick
            $0.cpu.usage.kernel = (cpuStat["system"] ?? 0) * nanosecondsPerTick
            $0.cpu.usage.perCpu = (Sys.readText(cpu + "/cpuacct.usage_percpu") ?? "")
                .split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { UInt64($0) }
            $0.cpu.throttling.periods = throttle["nr_periods"] ?? 0
            $0.cpu.throttling.throttledPeriods = throttle["nr_throttled"] ?? 0
            $0.cpu.throttling.throttledTime = throttle["throttled_time"] ?? 0
            $0.memory.cache = stat["cache"] ?? 0
            $0.memory.rss = stat["rss"] ?? 0
            $0.memory.rssHuge = stat["rss_huge"] ?? 0
            $0.memory.mappedFile = stat["mapped_file"] ?? 0
            $0.memory.dirty = stat["dirty"] ?? 0
            $0.memory.writeback = stat["writeback"] ?? 0
            $0.memory.pgPgIn = stat["pgpgin"] ?? 0
            $0.memory.pgPgOut = stat["pgpgout"] ?? 0
            $0.memory.pgFault = stat["pgfault"] ?? 0
            $0.memory.pgMajFault = stat["pgmajfault"] ?? 0
            $0.memory.inactiveAnon = stat["inactive_anon"] ?? 0
            $0.memory.activeAnon = stat["active_anon"] ?? 0
            $0.memory.inactiveFile = stat["inactive_file"] ?? 0
            $0.memory.activeFile = stat["active_file"] ?? 0
            $0.memory.unevictable = stat["unevictable"] ?? 0
            $0.memory.hierarchicalMemoryLimit = stat["hierarchical_memory_limit"] ?? 0
            $0.memory.hierarchicalSwapLimit = stat["hierarchical_memsw_limit"] ?? 0
            $0.memory.totalCache = stat["total_cache"] ?? 0
            $0.memory.totalRss = stat["total_rss"] ?? 0
            $0.memory.totalRssHuge = stat["total_rss_huge"] ?? 0
            $0.memory.totalMappedFile = stat["total_mapped_file"] ?? 0
            $0.memory.totalDirty = stat["total_dirty"] ?? 0
            $0.memory.totalWriteback = stat["total_writeback"] ?? 0
            $0.memory.totalPgPgIn = stat["total_pgpgin"] ?? 0
            $0.memory.totalPgPgOut = stat["total_pgpgout"] ?? 0
            $0.memory.totalPgFault = stat["total_pgfault"] ?? 0
            $0.memory.totalPgMajFault = stat["total_pgmajfault"] ?? 0
            $0.memory.totalInactiveAnon = stat["total_inactive_anon"] ?? 0
            $0.memory.totalActiveAnon = stat["total_active_anon"] ?? 0
            $0.memory.totalInactiveFile = stat["total_inactive_file"] ?? 0
            $0.memory.totalActiveFile = stat["total_active_file"] ?? 0
            $0.memory.totalUnevictable = stat["total_unevictable"] ?? 0
            $0.memory.usage.usage = number(memory + "/memory.usage_in_bytes")
            $0.memory.usage.limit = number(memory + "/memory.limit_in_bytes")
            $0.memory.usage.max = number(memory + "/memory.max_usage_in_bytes")
            $0.memory.usage.failcnt = number(memory + "/memory.failcnt")
            $0.memory.swap.usage = number(memory + "/memory.memsw.usage_in_bytes")
            $0.memory.swap.limit = number(memory + "/memory.memsw.limit_in_bytes")
            $0.memory.kernel.usage = number(memory + "/memory.kmem.usage_in_bytes")
            $0.memory.kernel.limit = number(memory + "/memory.kmem.limit_in_bytes")
            let oom = keyValues(memory + "/memory.oom_control")
            $0.memoryOomControl.oomKillDisable = oom["oom_kill_disable"] ?? 0
            $0.memoryOomControl.underOom = oom["under_oom"] ?? 0
            $0.memoryOomControl.oomKill = oom["oom_kill"] ?? 0
        }
    }

    static func v2(_ path: String) -> Io_Containerd_Cgroups_V2_Metrics {
        let directory = mountPoint + path
        let memory = keyValues(directory + "/memory.stat")
        let cpu = keyValues(directory + "/cpu.stat")
        return .with {
            $0.pids.current = number(directory + "/pids.current")
            let limit = number(directory + "/pids.max")
            $0.pids.limit = limit == UInt64.max ? 0 : limit
            $0.cpu.usageUsec = cpu["usage_usec"] ?? 0
            $0.cpu.userUsec = cpu["user_usec"] ?? 0
            $0.cpu.systemUsec = cpu["system_usec"] ?? 0
            $0.cpu.nrPeriods = cpu["nr_periods"] ?? 0
            $0.cpu.nrThrottled = cpu["nr_throttled"] ?? 0
            $0.cpu.throttledUsec = cpu["throttled_usec"] ?? 0
            $0.memory.anon = memory["anon"] ?? 0
            $0.memory.file = memory["file"] ?? 0
            $0.memory.kernelStack = memory["kernel_stack"] ?? 0
            $0.memory.slab = memory["slab"] ?? 0
            $0.memory.sock = memory["sock"] ?? 0
            $0.memory.shmem = memory["shmem"] ?? 0
            $0.memory.fileMapped = memory["file_mapped"] ?? 0
            $0.memory.fileDirty = memory["file_dirty"] ?? 0
            $0.memory.fileWriteback = memory["file_writeback"] ?? 0
            $0.memory.activeAnon = memory["active_anon"] ?? 0
            $0.memory.inactiveAnon = memory["inactive_anon"] ?? 0
            $0.memory.activeFile = memory["active_file"] ?? 0
            $0.memory.inactiveFile = memory["inactive_file"] ?? 0
            $0.memory.unevictable = memory["unevictable"] ?? 0
            $0.memory.pgfault = memory["pgfault"] ?? 0
            $0.memory.pgmajfault = memory["pgmajfault"] ?? 0
            $0.memory.usage = number(directory + "/memory.current")
            $0.memory.usageLimit = number(directory + "/memory.max")
            $0.memory.swapUsage = number(directory + "/memory.swap.current")
            $0.memory.swapLimit = number(directory + "/memory.swap.max")
        }
    }
}
