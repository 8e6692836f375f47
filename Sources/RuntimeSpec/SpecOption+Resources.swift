// containerd panics when a Linux-only resource option meets a spec without `linux`; these create it instead.
// `memoryLimit` is the exception: containerd skips it then, and so does Berth.

extension SpecOption {
    /// WithMemoryLimit, in bytes (ctr --memory-limit). Only for specs with a Linux section.
    public static func memoryLimit(_ bytes: UInt64) -> SpecOption {
        SpecOption { spec in
            guard spec.linux != nil else { return }
            spec.updateResources { resources in
                var memory = resources.memory ?? Spec.LinuxMemory()
                memory.limit = Int64(bitPattern: bytes)  // Go's int64(limit)
                resources.memory = memory
            }
        }
    }

    /// WithMemorySwap: memory plus swap, in bytes.
    public static func memorySwap(_ bytes: Int64) -> SpecOption {
        SpecOption { spec in
            spec.updateResources { resources in
                var memory = resources.memory ?? Spec.LinuxMemory()
                memory.swap = bytes
                resources.memory = memory
            }
        }
    }

    /// WithCPUCFS: the CFS quota and period, in microseconds.
    public static func cpuCFS(quota: Int64, period: UInt64) -> SpecOption {
        updateCPU { $0.quota = quota; $0.period = period }
    }

    /// ctr --cpus: a number of CPUs as a CFS quota over a 100ms period (1.5 → 150000/100000). Zero or less
    /// leaves the spec alone, as ctr does; a value that is not a finite number of CPUs is an error.
    public static func cpus(_ cpus: Double) -> SpecOption {
        SpecOption { spec in
            guard cpus > 0 else { return }
            guard let quota = Int64(exactly: (cpus * 100000).rounded(.towardZero)) else {
                throw SpecError.invalidArgument("invalid number of cpus: \(cpus)")
            }
            try spec.apply(.cpuCFS(quota: quota, period: 100000))
        }
    }

    /// WithCPUShares (ctr --cpu-shares).
    public static func cpuShares(_ shares: UInt64) -> SpecOption {
        updateCPU { $0.shares = shares }
    }

    /// containerd's WithCPUs: the cpuset ("0-2,4"), not a count; see `cpus(_:)` for ctr --cpus.
    public static func cpusetCPUs(_ cpus: String) -> SpecOption {
        updateCPU { $0.cpus = cpus }
    }

    /// WithCPUsMems: the cpuset's memory nodes.
    public static func cpusetMems(_ mems: String) -> SpecOption {
        updateCPU { $0.mems = mems }
    }

    /// WithPidsLimit.
    public static func pidsLimit(_ limit: Int64) -> SpecOption {
        SpecOption { spec in spec.updateResources { $0.pids = Spec.LinuxPids(limit: limit) } }
    }

    private static func updateCPU(_ body: @escaping @Sendable (inout Spec.LinuxCPU) -> Void) -> SpecOption {
        SpecOption { spec in
            spec.updateResources { resources in
                var cpu = resources.cpu ?? Spec.LinuxCPU()
                body(&cpu)
                resources.cpu = cpu
            }
        }
    }
}
