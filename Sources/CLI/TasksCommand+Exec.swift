import ArgumentParser
import BerthClient
import BerthCore
import Foundation
import RuntimeSpec
import SwiftProtobuf

extension TasksCommand {
    /// `berth t exec --exec-id ID CONTAINER CMD...`: a second process in a running task, with the container's
    /// process settings (env, user, capabilities) and the given args, as ctr builds it.
    struct Exec: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "exec", abstract: "Execute a new process inside a running task.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("exec-id"), help: "The exec process id (required).") var execID: String
        @Flag(name: .shortAndLong, help: "Allocate a terminal.") var tty = false
        @Flag(name: .shortAndLong, help: "Detach from the process after it has started.") var detach = false
        @Option(help: "Working directory of the new process.") var cwd: String?
        @Option(name: .long, help: "The user to run as (uid[:gid]).") var user: String?
        @Argument(help: "The container.") var id: String
        @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String] = []

        func validate() throws {
            if command.isEmpty { throw ValidationError("a command must be provided") }
            if execID.isEmpty { throw ValidationError("exec-id must be provided") }
        }

        func run() async throws {
            let status = try await global.withClient { client -> UInt32? in
                let container = try await client.container(id)
                let spec = try Spec.decode(container.spec.value)
                var process = spec.process ?? Spec.Process()
                process.terminal = tty
                process.args = command
                if let cwd { process.cwd = cwd }
                if let user { process.user = try Self.numericUser(user) }
                let encoded = try JSONEncoder().encode(process)
                let any = Google_Protobuf_Any.with {
                    $0.typeURL = Spec.Process.typeURL
                    $0.value = encoded
                }
                return try await ExecSession(client: client, containerID: id, execID: execID, terminal: tty, detach: detach)
                    .run(spec: any)
            }
            if let status, status != 0 { throw ExitCode(Int32(bitPattern: status)) }
        }

        static func numericUser(_ text: String) throws -> Spec.User {
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard let uid = parts.first.flatMap({ UInt32($0) }) else {
                throw ValidationError("--user takes a numeric uid[:gid], got \"\(text)\"")
            }
            let gid = parts.count > 1 ? UInt32(parts[1]) : uid
            guard let gid else { throw ValidationError("--user takes a numeric uid[:gid], got \"\(text)\"") }
            return Spec.User(uid: uid, gid: gid)
        }
    }
}

/// An exec'd process in the foreground or detached, as TaskSession is for a task's init process.
struct ExecSession {
    let client: BerthClient
    let containerID: String
    let execID: String
    var terminal = false
    var detach = false

    func run(spec: Google_Protobuf_Any) async throws -> UInt32? {
        let streams = try ProcessStreams(id: "\(containerID)-\(execID)", stdin: !detach, terminal: terminal)
        do {
            try await client.exec(containerID: containerID, execID: execID, spec: spec, io: streams.io)
        } catch {
            streams.remove()
            throw error
        }
        let (client, id, exec) = (client, containerID, execID)
        if detach {
            try await client.startTask(id, execID: exec)
            return nil
        }
        let raw = terminal ? RawTerminal() : nil
        defer { raw?.restore() }
        streams.attachOutput()
        return try await withThrowingTaskGroup(of: UInt32.self) { group in
            group.addTask { try await client.waitTask(id, execID: exec).status }
            do {
                try await client.startTask(id, execID: exec)
            } catch {
                group.cancelAll()
                _ = try? await client.deleteProcess(id, execID: exec)
                streams.remove()
                throw error
            }
            streams.attachInput(stdinClosed: { Task { try? await client.closeStdin(id, execID: exec) } })
            if terminal, let size = RawTerminal.size() {
                try? await client.resizePty(id, execID: exec, width: size.width, height: size.height)
            }
            guard let status = try await group.next() else { return 0 }
            await streams.finish()
            try await client.deleteProcess(id, execID: exec)
            return status
        }
    }
}
