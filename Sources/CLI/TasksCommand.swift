import ArgumentParser
import BerthAPI
import BerthClient
import BerthCore
import Foundation
import RuntimeSpec

/// `berth tasks|t`: ctr's task commands.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "Manage tasks (a container's running processes).",
        subcommands: [
            Start.self, List.self, Ps.self, Kill.self, Delete.self, Wait.self, Pause.self, Resume.self, Exec.self,
            Attach.self, Metrics.self,
        ],
        aliases: ["t", "task"])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a container that has been created.")
        @OptionGroup var global: GlobalOptions
        @Flag(name: .shortAndLong, help: "Detach from the task after it has started.") var detach = false
        @Flag(name: .customLong("null-io"), help: "Send all IO to /dev/null.") var nullIO = false
        @Option(name: .customLong("log-uri"), help: "Send stdout and stderr here: file:///path or binary:///path?args.") var logURI: String?
        @Argument(help: "The container.") var id: String

        func run() async throws {
            let status = try await global.withClient { client -> UInt32? in
                let container = try await client.container(id)
                let spec = try Spec.decode(container.spec.value)
                let rootfs = container.snapshotKey.isEmpty
                    ? [] : try await client.snapshotMounts(container.snapshotKey, snapshotter: container.snapshotter)
                return try await TaskSession(
                    client: client, containerID: id, terminal: spec.process?.terminal ?? false, detach: detach, nullIO: nullIO,
                    logURI: try TaskSession.logURI(logURI)
                ).run(rootfs: rootfs)
            }
            if let status, status != 0 { throw ExitCode(Int32(bitPattern: status)) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List tasks.", aliases: ["list"])
        @OptionGroup var global: GlobalOptions
        @Flag(name: .shortAndLong, help: "Print only the task id.") var quiet = false

        func run() async throws {
            let tasks = try await global.withClient { try await $0.listTasks() }
            if quiet {
                CommandOutput.write(tasks.map { $0.id + "\n" }.joined())
                return
            }
            let rows = [["TASK", "PID", "STATUS"]] + tasks.map { [$0.id, String($0.pid), $0.status.name] }
            CommandOutput.write(CommandOutput.table(rows, padding: 4, minWidth: 4))
        }
    }

    struct Ps: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ps", abstract: "List the processes of a task.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The container.") var id: String

        func run() async throws {
            let processes = try await global.withClient { try await $0.listPids(id) }
            let rows = [["PID", "INFO"]] + processes.map { [String($0.pid), $0.hasInfo ? $0.info.typeURL : "<nil>"] }
            CommandOutput.write(CommandOutput.table(rows, padding: 4, minWidth: 1))
        }
    }

    struct Kill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "kill", abstract: "Signal a task (SIGTERM, or the image's stop signal).")
        @OptionGroup var global: GlobalOptions
        @Option(name: .shortAndLong, help: "The signal to send (name or number).") var signal: String?
        // Long form only: -a is the global --address.
        @Flag(help: "Send the signal to all processes in the container.") var all = false
        @Option(name: .customLong("exec-id"), help: "The exec process to signal.") var execID = ""
        @Argument(help: "The container.") var id: String

        func validate() throws {
            if all && !execID.isEmpty { throw ValidationError("specify an exec-id or all; not both") }
            if let signal, Signals.parse(signal) == nil { throw ValidationError("invalid signal \"\(signal)\"") }
        }

        func run() async throws {
            try await global.withClient { client in
                let container = try await client.container(id)
                let number = try signal.flatMap(Signals.parse)
                    ?? Self.stopSignal(container.labels[ImageLabels.stopSignal])
                try await client.killTask(id, signal: number, execID: execID, all: all)
            }
        }

        static func stopSignal(_ label: String?) throws -> Int32 {
            guard let label, !label.isEmpty else { return SIGTERM }
            guard let number = Signals.parse(label) else { throw BerthError.invalidArgument("invalid stop signal \"\(label)\"") }
            return number
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Delete one or more tasks.", aliases: ["delete", "del", "remove"])
        @OptionGroup var global: GlobalOptions
        @Flag(name: .shortAndLong, help: "Force delete: kill the task first.") var force = false
        @Option(name: .customLong("exec-id"), help: "The exec process to delete.") var execID = ""
        @Argument(help: "The containers.") var ids: [String]

        func run() async throws {
            try await global.withClient { client in
                var firstError: (any Error)?
                for id in ids {
                    do {
                        if force {
                            try? await client.killTask(id, signal: SIGKILL, execID: execID)
                            _ = try? await client.waitTask(id, execID: execID)
                        }
                        let process = try? await client.task(id, execID: execID)
                        let exit = execID.isEmpty
                            ? try await client.deleteTask(id) : try await client.deleteProcess(id, execID: execID)
                        if let process { ProcessStreams.removeLeftovers(of: process) }
                        if !execID.isEmpty, exit.exitStatus != 0 { throw ExitCode(Int32(bitPattern: exit.exitStatus)) }
                    } catch let error as ExitCode {
                        throw error
                    } catch {
                        CommandOutput.printError("unable to delete \(id): \(CommandOutput.describe(error, address: global.resolvedAddress, debug: global.debug))")
                        firstError = firstError ?? error
                    }
                }
                if firstError != nil { throw ExitCode(1) }
            }
        }
    }

    struct Wait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "wait", abstract: "Wait for a task to exit; print its exit status.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("exec-id"), help: "The exec process to wait for.") var execID = ""
        @Argument(help: "The container.") var id: String

        func run() async throws {
            let (status, _) = try await global.withClient { try await $0.waitTask(id, execID: execID) }
            CommandOutput.write("\(status)\n")
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause (freeze) a task.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The container.") var id: String

        func run() async throws { try await global.withClient { try await $0.pauseTask(id) } }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume (thaw) a paused task.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The container.") var id: String

        func run() async throws { try await global.withClient { try await $0.resumeTask(id) } }
    }
}

extension Containerd_V1_Types_Status {
    /// The name ctr prints (Go's enum String()).
    var name: String {
        switch self {
        case .created: "CREATED"
        case .running: "RUNNING"
        case .stopped: "STOPPED"
        case .paused: "PAUSED"
        case .pausing: "PAUSING"
        default: "UNKNOWN"
        }
    }
}

/// Labels containerd copies from the image config onto a container.
enum ImageLabels {
    static let stopSignal = "io.containerd.image.config.stop-signal"
}
