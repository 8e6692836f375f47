extension Spec {
    // containerd's setProcess, setRoot, setLinux, setResources, setCapabilities: options edit a section through
    // these, which create it first when it is missing.

    mutating func updateProcess<T>(_ body: (inout Process) throws -> T) rethrows -> T {
        var section = process ?? Process()
        defer { process = section }
        return try body(&section)
    }

    mutating func updateRoot<T>(_ body: (inout Root) throws -> T) rethrows -> T {
        var section = root ?? Root()
        defer { root = section }
        return try body(&section)
    }

    mutating func updateLinux<T>(_ body: (inout Linux) throws -> T) rethrows -> T {
        var section = linux ?? Linux()
        defer { linux = section }
        return try body(&section)
    }

    mutating func updateResources<T>(_ body: (inout LinuxResources) throws -> T) rethrows -> T {
        try updateLinux { linux in
            var section = linux.resources ?? LinuxResources()
            defer { linux.resources = section }
            return try body(&section)
        }
    }

    mutating func updateCapabilities<T>(_ body: (inout LinuxCapabilities) throws -> T) rethrows -> T {
        try updateProcess { process in
            var section = process.capabilities ?? LinuxCapabilities()
            defer { process.capabilities = section }
            return try body(&section)
        }
    }
}
