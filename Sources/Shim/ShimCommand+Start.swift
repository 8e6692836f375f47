import Glibc

extension ShimCommand {
    /// Creates the socket, spawns the server detached (own session, stdio /dev/null, the listener as fd 3),
    /// writes the address to the bundle's `address` file and prints it.
    static func start(_ config: ShimConfig) throws(ShimError) {
        // The daemon's runtime options come on stdin; the server takes its options from Create instead.
        _ = Sys.readAll(0, limit: 1 << 20)
        let bundle = currentDirectory()
        try Sys.makeDirectories(socketDirectory, mode: 0o711)
        let path = socketPath(address: config.address, namespace: config.namespace, id: config.id)
        let address = "unix://" + path
        if Sys.exists(path) {
            if let fd = try? UnixSocket.connect(path) {
                // A server for this very task answers already (a retried start): hand out its address.
                close(fd)
                try Sys.writeFile(bundle + "/address", address)
                Sys.writeAll(1, Array(address.utf8))
                return
            }
            unlink(path)
        }
        let listener = try UnixSocket.listen(path)
        defer { close(listener) }
        // Only the daemon's user may speak to the shim (containerd's shims chmod their socket 0600 too).
        guard chmod(path, 0o600) == 0 else {
            let error = ShimError.system("chmod \(path)")
            unlink(path)
            throw error
        }
        let null = try Sys.open("/dev/null", O_RDWR)
        defer { close(null) }
        var serverConfig = config
        serverConfig.socket = path
        let pid: pid_t
        do {
            pid = try ChildSpawn(
                executable: executablePath(), arguments: serverConfig.serveArguments,
                descriptors: [null, null, null, listener], directory: bundle, newSession: true
            ).spawn()
        } catch {
            unlink(path)
            throw error
        }
        try Sys.writeFile(bundle + "/shim.pid", "\(pid)")
        try Sys.writeFile(bundle + "/address", address)
        Sys.writeAll(1, Array(address.utf8))
    }

    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return "/proc/self/exe" }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
