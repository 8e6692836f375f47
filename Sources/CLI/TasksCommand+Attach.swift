import ArgumentParser
import BerthClient
import BerthCore
import Foundation

extension TasksCommand {
    /// `berth t attach CONTAINER`: copies a running task's output (and our stdin, if it has one) through the
    /// fifos it was started with, until it exits; the exit status is the task's. The task is left for `t rm`.
    struct Attach: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "attach", abstract: "Attach to the IO of a running task.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The container.") var id: String

        func run() async throws {
            let status = try await global.withClient { client -> UInt32 in
                let process = try await client.task(id)
                guard process.status == .running || process.status == .paused || process.status == .created else {
                    throw BerthError.failedPrecondition("task \(id) is not running: \(process.status.name)")
                }
                guard process.stdout.hasPrefix("/") else {
                    throw BerthError.failedPrecondition("task \(id) has no fifos to attach to (started with --null-io or --log-uri)")
                }
                let streams = ProcessStreams(attachingTo: ProcessIO(
                    stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, terminal: process.terminal))
                let raw = process.terminal ? RawTerminal() : nil
                defer { raw?.restore() }
                let container = id
                streams.attachOutput()
                streams.attachInput(stdinClosed: { Task { try? await client.closeStdin(container) } })
                if process.terminal, let size = RawTerminal.size() {
                    try? await client.resizePty(id, width: size.width, height: size.height)
                }
                return try await client.waitTask(id).status
            }
            if status != 0 { throw ExitCode(Int32(bitPattern: status)) }
        }
    }
}
