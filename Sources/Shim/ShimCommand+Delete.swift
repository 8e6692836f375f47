import BerthAPI
import Glibc
import SwiftProtobuf

extension ShimCommand {
    /// Cleans up after a server that is gone: `runc delete --force`, the rootfs unmounted, the socket
    /// removed; prints a DeleteResponse (SIGKILL's 137, as containerd-shim-runc-v2 reports).
    static func delete(_ config: ShimConfig) throws(ShimError) {
        let bundle = config.bundle.isEmpty ? currentDirectory() : config.bundle
        let saved = (Sys.readText(bundle + "/" + runtimeFile) ?? "").split(separator: "\n").map(String.init)
        let runc = Runc(
            binary: saved.count > 0 && !saved[0].isEmpty ? saved[0] : "runc",
            root: saved.count > 1 && !saved[1].isEmpty ? saved[1] : Runc.defaultRoot + "/" + config.namespace,
            logPath: bundle + "/log.json")
        if Sys.exists(runc.root + "/" + config.id) {
            _ = try? runc.run(["delete", "--force", config.id])
        }
        RootfsMount.unmountAll(bundle + "/rootfs")
        if let address = Sys.readText(bundle + "/address") {
            let path = UnixSocket.path(fromAddress: address.trimmingWhitespace())
            if path.hasPrefix(socketDirectory + "/") { unlink(path) }
        }
        let pid = (Sys.readText(bundle + "/" + initPidFile)?.trimmingWhitespace()).flatMap { UInt32($0) } ?? 0
        let response = Containerd_Task_V2_DeleteResponse.with {
            $0.pid = pid
            $0.exitStatus = 128 + UInt32(SIGKILL)
            $0.exitedAt = .now()
        }
        guard let bytes: [UInt8] = try? response.serializedBytes() else {
            throw ShimError(.internal, "encode delete response")
        }
        Sys.writeAll(1, bytes)
    }
}
