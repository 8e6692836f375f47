import BerthAPI
import BerthCore
import Crypto
import Foundation
import SwiftProtobuf

extension ShimServerStart {
    /// containerd's runc v2 shim, as its runc `manager.Start` starts the server. Whatever that start does beyond
    /// a plain server (shim groups, a shim cgroup, core scheduling) goes through the `start` command instead.
    enum Runc {
        static let binaryName = "containerd-shim-runc-v2"
        /// The shim's socketRoot/s (containerd's defaults.DefaultStateDir), where its `start` puts sockets.
        static let socketDirectory = "/run/containerd/s"
        /// Spec annotations that make `start` join an existing shim instead of starting one.
        static let groupAnnotations = ["io.containerd.runc.v2.group", "io.kubernetes.cri.sandbox-id"]

        static func applies(spec: Data, options: Google_Protobuf_Any?, environment: [String: String]) -> Bool {
            guard environment["SCHED_CORE"] == nil else { return false }
            // Conservative: the annotation names anywhere in the spec (or a \u escape that could spell one).
            guard !groupAnnotations.contains(where: { spec.containsBytes($0) }), !spec.containsBytes(#"\u"#) else {
                return false
            }
            guard let options, !options.value.isEmpty else { return true }
            guard options.typeURL.hasSuffix("/containerd.runc.v1.Options"),
                  let runc = try? Containerd_Runc_V1_Options(serializedBytes: options.value)
            else { return false }
            return runc.shimCgroup.isEmpty
        }

        /// containerd's shim.SocketAddress: `/run/containerd/s/<sha256 of "<daemon address>/<ns>/<id>">`.
        static func socketPath(daemonAddress: String, namespace: String, id: String) -> String {
            let joined = ((daemonAddress as NSString).appendingPathComponent(namespace) as NSString).appendingPathComponent(id)
            return "\(socketDirectory)/" + SHA256.hash(data: Data(joined.utf8)).withUnsafeBytes { Hex.encode($0) }
        }
    }

    static func runc(bundle: TaskBundle, daemonAddress: String, environment: [String: String]) -> ShimServerStart {
        var serverEnvironment = environment
        serverEnvironment["GOMAXPROCS"] = "4"  // what `start` gives its server
        return ShimServerStart(
            socketDirectory: Runc.socketDirectory,
            socketPath: Runc.socketPath(daemonAddress: daemonAddress, namespace: bundle.namespace, id: bundle.id),
            arguments: ["-namespace", bundle.namespace, "-id", bundle.id, "-address", daemonAddress],
            environment: serverEnvironment, adjustsOOMScore: true)
    }
}
