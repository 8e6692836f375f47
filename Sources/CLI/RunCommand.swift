import ArgumentParser
import BerthClient
import BerthCore
import Foundation

/// `berth run [flags] IMAGE ID [COMMAND] [ARG...]`: create a container and run its task, as `ctr run` does.
/// In the foreground the exit status is the container's.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a container (create it, start its task, wait for it).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ContainerOptions
    @Flag(help: "Remove the container (and its snapshot) when it exits.") var rm = false
    @Flag(name: .shortAndLong, help: "Detach from the task after it has started.") var detach = false
    @Flag(name: .customLong("null-io"), help: "Send all IO to /dev/null.") var nullIO = false
    @Option(name: .customLong("log-uri"), help: "Send stdout and stderr here: file:///path or binary:///path?args.") var logURI: String?
    @Argument(help: "The image.") var image: String
    @Argument(help: "The container id.") var id: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String] = []

    func validate() throws {
        if rm && detach { throw ValidationError("flags --detach and --rm cannot be specified together") }
    }

    func run() async throws {
        let status = try await global.withClient { client -> UInt32? in
            // The snapshot's mounts from its Prepare: ctr asks for them again.
            let (container, rootfs) = try await ContainerCreator(client: client, options: options).create(
                image: image, id: id, args: command)
            let status: UInt32?
            do {
                status = try await TaskSession(
                    client: client, containerID: id, terminal: options.tty, detach: detach, nullIO: nullIO,
                    logURI: try TaskSession.logURI(logURI)
                ).run(rootfs: rootfs)
            } catch {
                // A task may still be there (a failed wait): the checked delete leaves such a container alone.
                if rm { try? await ContainersCommand.Delete.delete(id, client: client, keepSnapshot: false) }
                throw error
            }
            // The task was deleted just now: no need to look the container and its task up again.
            if rm { try await ContainersCommand.Delete.delete(container, client: client, keepSnapshot: false) }
            return status
        }
        if let status, status != 0 { throw ExitCode(Int32(bitPattern: status)) }
    }
}
