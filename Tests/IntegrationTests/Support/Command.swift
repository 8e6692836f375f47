import Foundation

/// The outcome of running a command to completion.
struct CommandResult: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String

    var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}

enum Command {
    /// Runs `executable` with `arguments`, waiting at most `timeout` seconds (then it is killed).
    static func run(
        _ executable: URL, _ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = 30
    ) throws -> CommandResult {
        let running = try Background(executable, arguments, stdin: stdin)
        let deadline = Date().addingTimeInterval(timeout)
        while running.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return running.finish()
    }
}

/// A command left running while the test does other things (`ctr events`).
final class Background: @unchecked Sendable {
    let process = Process()
    let stdout: Reader
    let stderr: Reader

    /// `stdin`, when given, is written to the command's standard input, which is then closed.
    init(_ executable: URL, _ arguments: [String], stdin: Data? = nil) throws {
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = stdin.map { _ in Pipe() }
        process.standardInput = input ?? FileHandle.nullDevice
        try process.run()
        if let input, let stdin {
            Thread.detachNewThread {
                try? input.fileHandleForWriting.write(contentsOf: stdin)
                try? input.fileHandleForWriting.close()
            }
        }
        stdout = Reader(out.fileHandleForReading)
        stderr = Reader(err.fileHandleForReading)
    }

    /// Stops the command if it still runs and returns what it printed.
    func finish() -> CommandResult {
        if process.isRunning {
            process.terminate()
        }
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: stdout.finish(), stderr: stderr.finish())
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Drains a pipe on a background thread, so a chatty child never blocks on a full pipe.
final class Reader: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.withLock { data.append(chunk) }
            }
            done.signal()
        }
    }

    /// Everything read so far, without waiting for the end.
    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }

    func finish() -> String {
        done.wait()
        return text
    }
}
