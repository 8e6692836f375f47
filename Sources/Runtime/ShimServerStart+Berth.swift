import BerthCore

extension ShimServerStart {
    /// Berth's own shim, as its `start` (ShimCommand.start) starts the server.
    enum Berth {
        static let binaryName = "containerd-shim-berth-v1"
    }

    static func berth(bundle: TaskBundle, config: RuntimeConfig, environment: [String: String]) -> ShimServerStart {
        let socket = BerthShimSocket.path(address: config.daemonAddress, namespace: bundle.namespace, id: bundle.id)
        var arguments = ["-namespace", bundle.namespace, "-id", bundle.id, "-address", config.daemonAddress]
        if !config.publishBinary.isEmpty { arguments += ["-publish-binary", config.publishBinary] }
        return ShimServerStart(
            socketDirectory: BerthShimSocket.directory, socketPath: socket, arguments: arguments + ["-socket", socket],
            environment: environment, newSession: true, writesPidFile: true)
    }
}
