import BerthAPI
import BerthCore
import CLinux
import Crypto
import Foundation
import SwiftProtobuf

/// Starts containerd's runc v2 shim server the way the shim's own `start` command does (containerd's runc
/// `manager.Start`), without running that command: `start` is a whole Go program run for a socket, a file and
/// a spawn, about 6.5 ms of CPU and 7 ms of latency per task. The server ends up as `start` would leave it:
/// same socket path, `address` file, flags, environment, process group and OOM score. Whatever `start` would
/// do beyond that (shim groups, a shim cgroup, core scheduling) goes through the `start` command instead.
enum RuncShimStart {
    static let binaryName = "containerd-shim-runc-v2"
    /// The shim's socketRoot/s (containerd's defaults.DefaultStateDir), where its `start` puts sockets.
    static let socketDirectory = "/run/containerd/s"
    /// Spec annotations that make `start` join an existing shim instead of starting one.
    static let groupAnnotations = ["io.containerd.runc.v2.group", "io.kubernetes.cri.sandbox-id"]

    /// Whether the task's shim can be started here rather than by `<shim> start`.
    static func applies(binary: String, spec: Data, options: Google_Protobuf_Any?, environment: [String: String]) -> Bool {
        guard (binary as NSString).lastPathComponent == binaryName, environment["SCHED_CORE"] == nil else { return false }
        // Conservative: the annotation names anywhere in the spec (or a \u escape that could spell one).
        guard !groupAnnotations.contains(where: { spec.containsBytes($0) }), !spec.containsBytes(#"\u"#) else { return false }
        guard let options, !options.value.isEmpty else { return true }
        guard options.typeURL.hasSuffix("/containerd.runc.v1.Options"),
              let runc = try? Containerd_Runc_V1_Options(serializedBytes: options.value)
        else { return false }
        return runc.shimCgroup.isEmpty
    }

    /// containerd's shim.SocketAddress: `unix:///run/containerd/s/<sha256 of "<daemon address>/<ns>/<id>">`.
    static func socketAddress(daemonAddress: String, namespace: String, id: String) -> String {
        let joined = ((daemonAddress as NSString).appendingPathComponent(namespace) as NSString).appendingPathComponent(id)
        return "unix://\(socketDirectory)/" + SHA256.hash(data: Data(joined.utf8)).withUnsafeBytes { Hex.encode($0) }
    }

    /// Listens on the task's socket, records it in the bundle's `address` file and spawns the server with the
    /// listener as fd 3 (stdio on /dev/null, as Go's exec leaves it); returns the address and the server's pid.
    /// The caller reaps the server: it is our child, not init's.
    static func launch(
        binary: String, bundle: TaskBundle, daemonAddress: String, environment: [String: String]
    ) throws -> (address: String, pid: pid_t) {
        let address = socketAddress(daemonAddress: daemonAddress, namespace: bundle.namespace, id: bundle.id)
        let path = String(address.dropFirst("unix://".count))
        try FileManager.default.createDirectory(
            atPath: socketDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
        // A socket left by a shim that died without cleaning up is in the way, as in manager.Start.
        unlink(path)
        let listener = try UnixListener.listen(path: path, mode: 0o600)
        defer { close(listener) }
        do {
            try address.write(toFile: bundle.path + "/address", atomically: true, encoding: .utf8)
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            guard null >= 0 else { throw BerthError(.unknown, "open /dev/null: \(String(cString: strerror(errno)))") }
            defer { close(null) }
            var serverEnvironment = environment
            serverEnvironment["GOMAXPROCS"] = "4"  // what `start` gives its server
            let pid = try ChildProcess.spawn(
                executable: binary,
                arguments: ["-namespace", bundle.namespace, "-id", bundle.id, "-address", daemonAddress],
                directory: bundle.path, environment: serverEnvironment, descriptors: [null, null, null, listener])
            adjustOOMScore(pid)
            return (address, pid)
        } catch {
            unlink(path)
            throw error
        }
    }

    /// shim.AdjustOOMScore: one above the parent's (ours), so that the OOM killer picks a shim before the daemon.
    static func adjustOOMScore(_ pid: pid_t) {
        guard let own = try? String(contentsOfFile: "/proc/self/oom_score_adj", encoding: .utf8),
              let score = Int(own.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return }
        try? String(min(score + 1, 1000)).write(toFile: "/proc/\(pid)/oom_score_adj", atomically: false, encoding: .utf8)
    }
}
