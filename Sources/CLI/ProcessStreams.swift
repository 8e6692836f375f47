import BerthClient
import BerthCore
import Foundation

/// A process's standard streams through fifos, as ctr's cio does: the client makes the fifos, the shim opens
/// them, and the client copies between them and its own terminal. The fifos live under the state dir.
final class ProcessStreams: @unchecked Sendable {
    static let defaultDirectory = "/run/berth/fifo"

    let io: ProcessIO
    /// Where this client made the fifos; nil when attaching to another client's.
    private let directory: String?
    private let copies = DispatchGroup()
    /// Read ends held open from the start: the shim's write open blocks until a reader exists, even when we
    /// detach and never copy (ctr's cio does the same).
    private var holders: [Int32] = []

    /// Makes the fifos; `stdin` false leaves the process without input (ctr's default for `t start -d`).
    init(id: String, stdin: Bool, terminal: Bool, directory: String = ProcessStreams.defaultDirectory) throws {
        let base = directory + "/" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        self.directory = base
        func fifo(_ name: String) throws -> String {
            let path = "\(base)/\(id)-\(name)"
            guard mkfifo(path, 0o700) == 0 else {
                throw BerthError(.unknown, "mkfifo \(path): \(String(cString: strerror(errno)))")
            }
            return path
        }
        io = ProcessIO(
            stdin: stdin ? try fifo("stdin") : "", stdout: try fifo("stdout"),
            stderr: terminal ? "" : try fifo("stderr"), terminal: terminal)
        for path in [io.stdout, io.stderr] where !path.isEmpty {
            let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 { holders.append(fd) }
        }
    }

    /// The fifos of a process that is already running (`tasks attach`): nothing is made, and nothing is removed
    /// afterwards, since they belong to the task.
    init(attachingTo io: ProcessIO) {
        self.io = io
        directory = nil
    }

    /// Starts copying the process's stdout and stderr to ours (before it starts, so nothing is missed).
    func attachOutput() {
        copy(fifo: io.stdout, to: STDOUT_FILENO)
        if !io.stderr.isEmpty { copy(fifo: io.stderr, to: STDERR_FILENO) }
    }

    /// Starts copying our stdin to the process, once it runs: an early end of our stdin would close a
    /// terminal, and so end the process, before it starts. `stdinClosed` runs when our stdin ends, so the
    /// caller can close the process's stdin (CloseIO).
    func attachInput(stdinClosed: @escaping @Sendable () -> Void) {
        if !io.stdin.isEmpty { copy(from: STDIN_FILENO, toFifo: io.stdin, then: stdinClosed) }
    }

    /// Waits until the process's output has been copied out (the shim closed its ends), then removes the fifos.
    func finish() async {
        await withCheckedContinuation { continuation in
            copies.notify(queue: .global()) { continuation.resume() }
        }
        remove()
    }

    /// Removes the fifos without waiting; copies still blocked in open are released first.
    func remove() {
        holders.forEach { close($0) }
        holders = []
        for path in [io.stdout, io.stderr] where !path.isEmpty {
            // Opening the write side lets a reader still waiting in open() go on and see end of file.
            let fd = open(path, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Removes the fifo folder of a deleted process whose streams berth made (a task started detached).
    static func removeLeftovers(of process: TaskProcess) {
        for path in [process.stdin, process.stdout, process.stderr] where path.hasPrefix(defaultDirectory + "/") {
            try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
        }
    }

    private func copy(fifo path: String, to output: Int32) {
        copies.enter()
        Thread.detachNewThread { [copies] in
            defer { copies.leave() }
            // Blocks until the shim opens its end, as containerd's fifo package does.
            let input = open(path, O_RDONLY | O_CLOEXEC)
            guard input >= 0 else { return }
            defer { close(input) }
            Self.pump(from: input, to: output)
        }
    }

    private func copy(from input: Int32, toFifo path: String, then done: @escaping @Sendable () -> Void) {
        Thread.detachNewThread {
            let output = open(path, O_WRONLY | O_CLOEXEC)
            guard output >= 0 else { return }
            Self.pump(from: input, to: output)
            close(output)
            done()
        }
    }

    private static func pump(from input: Int32, to output: Int32) {
        var buffer = [UInt8](repeating: 0, count: 32 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { bytes -> Int in
                    guard let base = bytes.baseAddress else { return -1 }
                    return write(output, base + offset, count - offset)
                }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
