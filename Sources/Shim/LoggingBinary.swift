import Glibc

/// ctr's `--log-uri binary:///path?key=value`: a program the shim starts for the process's output, as
/// containerd's runtime v2 logging protocol has it: stdout on its fd 3, stderr on fd 4, and fd 5 closed once
/// it is ready; CONTAINER_ID and CONTAINER_NAMESPACE in its environment; the query's keys and values as
/// arguments. The process writes straight into its pipes, so no copier runs in the shim.
struct LoggingBinary: Equatable {
    static let scheme = "binary://"
    /// How long the program may take to close fd 5 before the process starts without it.
    static let readyTimeoutMilliseconds: Int32 = 10_000

    let path: String
    let arguments: [String]

    init(path: String, arguments: [String]) {
        self.path = path
        self.arguments = arguments
    }

    init(uri: String) throws(ShimError) {
        guard uri.hasPrefix(Self.scheme) else { throw ShimError(.invalidArgument, "not a binary:// log URI: \(uri)") }
        let rest = uri.dropFirst(Self.scheme.count)
        let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = Self.percentDecoded(parts.first.map(String.init) ?? "")
        guard path.hasPrefix("/") else { throw ShimError(.invalidArgument, "binary log URI \(uri) does not name an absolute path") }
        var arguments: [String] = []
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let keyValue = pair.split(separator: "=", maxSplits: 1)
                arguments.append(Self.percentDecoded(String(keyValue[0])))
                if keyValue.count > 1, !keyValue[1].isEmpty { arguments.append(Self.percentDecoded(String(keyValue[1]))) }
            }
        }
        self.arguments = arguments
    }

    /// Starts the program; returns the write ends the process gets as stdout and stderr.
    func start(containerID: String, namespace: String) throws(ShimError) -> (stdout: Int32, stderr: Int32) {
        let output = try Sys.pipe()
        let errors = try Sys.pipe()
        let ready = try Sys.pipe()
        defer { for fd in [output.read, errors.read, ready.read, ready.write] { close(fd) } }
        do {
            let null = try Sys.open("/dev/null", O_RDWR)
            defer { close(null) }
            var environment = ChildSpawn.currentEnvironment().filter {
                !$0.hasPrefix("CONTAINER_ID=") && !$0.hasPrefix("CONTAINER_NAMESPACE=")
            }
            environment += ["CONTAINER_ID=\(containerID)", "CONTAINER_NAMESPACE=\(namespace)"]
            _ = try ChildSpawn(
                executable: path, arguments: arguments,
                descriptors: [null, null, null, output.read, errors.read, ready.write], environment: environment
            ).spawn()
            close(ready.write)
            try waitUntilReady(ready.read)
        } catch {
            close(output.write)
            close(errors.write)
            throw error
        }
        return (output.write, errors.write)
    }

    /// The program closes fd 5 (EOF here) when it is ready to read.
    private func waitUntilReady(_ fd: Int32) throws(ShimError) {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let polled = poll(&descriptor, 1, Self.readyTimeoutMilliseconds)
        guard polled > 0 else { throw ShimError(.unavailable, "logging binary \(path) did not become ready") }
    }

    private static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
