import BerthAPI
import BerthCore
import Foundation
import Logging
import SwiftProtobuf
import TTRPC

/// Starts and cleans up shims with the runtime v2 start protocol: `<shim> -namespace NS -address ADDR
/// -publish-binary BIN -id ID start` in the bundle directory, options on stdin, the ttrpc address on stdout.
/// Shims whose `start` is known are started the way it would start them, without running it (`ShimServerStart`).
struct ShimLauncher: Sendable {
    let config: RuntimeConfig
    let logger: Logger
    /// The daemon's environment plus what a shim needs (as containerd: GOMAXPROCS=2, the ttrpc address),
    /// built once: reading the process environment costs a dictionary build per call.
    private let environment: [String: String]

    init(config: RuntimeConfig, logger: Logger) {
        self.config = config
        self.logger = logger
        var environment = ProcessInfo.processInfo.environment
        environment["GOMAXPROCS"] = "2"
        environment["TTRPC_ADDRESS"] = config.ttrpcAddress
        self.environment = environment
    }

    func start(
        bundle: TaskBundle, runtime: String, binary: String, spec: Data, options: Google_Protobuf_Any?
    ) async throws -> (ShimTask, ShimLog) {
        let log = try ShimLog(bundle: bundle.path)
        do {
            let address: String
            var server: (pid: pid_t, socket: ino_t)?
            // A server already answering on the task's socket is the shim's own start to deal with (both starts
            // hand its address out again); a stale socket file is removed by the launch.
            if let direct = ShimServerStart.plan(
                binary: binary, bundle: bundle, spec: spec, options: options, config: config, environment: environment),
               !(access(direct.socketPath, F_OK) == 0 && UnixListener.isServed(path: direct.socketPath)) {
                server = try direct.launch(binary: binary, bundle: bundle)
                address = direct.address
            } else {
                address = try await startCommand(bundle: bundle, binary: binary, options: options)
            }
            try? StateFile.write(binary, to: bundle.path + "/shim-binary-path")
            let client: TTRPCClient
            do {
                client = try await TTRPCClient.connect(unixSocketPath: address, eventLoopGroup: config.eventLoopGroup)
            } catch {
                if let server {
                    kill(server.pid, SIGKILL)
                    Self.reap(server, socket: address)
                }
                throw error
            }
            // A server we spawned is our child: once its connection is gone it is exiting, and must be reaped.
            if let server { client.whenClosed { Self.reap(server, socket: address) } }
            let task = ShimTask(
                id: bundle.id, namespace: bundle.namespace, bundle: bundle, runtime: runtime, binary: binary, client: client)
            return (task, log)
        } catch {
            log.close()
            throw error
        }
    }

    /// `<shim> start`: the shim makes its socket and server and prints the address (`unix://` added if missing).
    private func startCommand(bundle: TaskBundle, binary: String, options: Google_Protobuf_Any?) async throws -> String {
        let output = try await command(binary: binary, bundle: bundle, arguments: ["-id", bundle.id, "start"],
                                       directory: bundle.path, stdin: try options?.serializedBytes()).run()
        let printed = String(decoding: output.stdout + output.stderr, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard output.status == 0 else {
            throw BerthError(.unknown, "start failed: \(printed): exit status \(output.status)")
        }
        return printed.hasPrefix("unix://") ? printed : "unix://" + printed
    }

    /// Waits for a spawned shim server on a thread of its own (it may take a moment to exit), then removes
    /// its socket if the server could not.
    private static func reap(_ server: (pid: pid_t, socket: ino_t), socket address: String) {
        Thread.detachNewThread {
            _ = ChildProcess.wait(server.pid)
            ShimServerStart.removeSocket(String(address.dropFirst("unix://".count)), inode: server.socket)
        }
    }

    /// Reconnects to a shim that outlived the daemon, through the `address` file it left in its bundle.
    func reconnect(bundle: TaskBundle) async throws -> (ShimTask, ShimLog) {
        let address = try String(contentsOfFile: bundle.path + "/address", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let binary = (try? String(contentsOfFile: bundle.path + "/shim-binary-path", encoding: .utf8)) ?? ""
        guard !binary.isEmpty else { throw BerthError.notFound("shim binary of task \(bundle.id)") }
        let log = try ShimLog(bundle: bundle.path)
        do {
            let path = address.hasPrefix("unix://") ? String(address.dropFirst("unix://".count)) : address
            let client = try await TTRPCClient.connect(unixSocketPath: path, eventLoopGroup: config.eventLoopGroup)
            let runtime = (try? String(contentsOfFile: bundle.path + "/runtime-name", encoding: .utf8)) ?? binary
            return (ShimTask(id: bundle.id, namespace: bundle.namespace, bundle: bundle, runtime: runtime, binary: binary, client: client), log)
        } catch {
            log.close()
            throw error
        }
    }

    /// `<shim> ... -bundle PATH delete`: the shim binary cleans up after a shim process that is gone
    /// (kills the container, unmounts), printing a DeleteResponse on stdout.
    func cleanupDeadShim(bundle: TaskBundle, binary: String) async -> Containerd_Task_V2_DeleteResponse? {
        do {
            let output = try await command(
                binary: binary, bundle: bundle, arguments: ["-id", bundle.id, "-bundle", bundle.path, "delete"],
                directory: bundle.path, stdin: nil
            ).run()
            guard output.status == 0 else {
                logger.warning("shim cleanup failed", metadata: [
                    "id": "\(bundle.id)", "output": "\(String(decoding: output.stderr, as: UTF8.self))",
                ])
                return nil
            }
            return try Containerd_Task_V2_DeleteResponse(serializedBytes: output.stdout)
        } catch {
            logger.warning("shim cleanup failed", metadata: ["id": "\(bundle.id)", "error": "\(error)"])
            return nil
        }
    }

    private func command(binary: String, bundle: TaskBundle, arguments: [String], directory: String, stdin: Data?) -> ChildProcess {
        ChildProcess(
            executable: binary,
            arguments: ["-namespace", bundle.namespace, "-address", config.daemonAddress,
                        "-publish-binary", config.publishBinary] + arguments,
            directory: directory, environment: environment, stdin: stdin)
    }
}
