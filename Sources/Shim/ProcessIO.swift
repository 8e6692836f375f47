import Glibc

/// A process's stdio as the shim keeps it: the client's fifos (or files) opened by the shim and kept open
/// across daemon restarts, pipes to the process copied to and from them, or the pty master for a terminal.
/// Output fifos are opened read-write, so the process never sees EPIPE while no client is reading.
final class ProcessIO {
    struct Paths: Equatable {
        var stdin = ""
        var stdout = ""
        var stderr = ""
        var terminal = false
    }

    /// Whose output this is, for a logging binary's environment.
    struct Owner: Equatable {
        var containerID = ""
        var namespace = ""
    }

    let paths: Paths
    private let owner: Owner
    private let loop: EventLoop
    /// What the runtime gets as 0, 1, 2; closed in the shim once the process has them.
    private(set) var runtimeStdio: [Int32] = []
    private var runtimeOnly: [Int32] = []
    /// Client-side descriptors opened, waiting for their copier (non-terminal) or for the console.
    private var stdinSource: Int32 = -1
    private var stdinPipe: Int32 = -1
    private var outputs: [(source: Int32, destination: Int32)] = []
    private var copiers: [FDCopier] = []
    private var stdinCopier: FDCopier?
    private(set) var console: Int32 = -1
    private var stdoutDestination: Int32 = -1
    private var owned: [Int32] = []

    init(paths: Paths, owner: Owner = Owner(), loop: EventLoop) throws(ShimError) {
        self.paths = paths
        self.owner = owner
        self.loop = loop
        do { try open() } catch { close(); throw error }
    }

    private func open() throws(ShimError) {
        let null = try Sys.open("/dev/null", O_RDWR)
        runtimeOnly.append(null)
        runtimeStdio = [null, null, null]
        if !paths.stdin.isEmpty {
            // Non-blocking: there may be no writer yet; a read only sees EOF after one came and went.
            stdinSource = try Sys.open(paths.stdin, O_RDONLY | O_NONBLOCK)
            owned.append(stdinSource)
        }
        if paths.terminal {
            if !paths.stdout.isEmpty {
                stdoutDestination = try Self.openOutput(paths.stdout)
                owned.append(stdoutDestination)
            }
            return
        }
        if stdinSource >= 0 {
            let pipe = try Sys.pipe()
            runtimeOnly.append(pipe.read)
            owned.append(pipe.write)
            runtimeStdio[0] = pipe.read
            stdinPipe = pipe.write
        }
        if paths.stdout.hasPrefix(LoggingBinary.scheme) {
            let (stdout, stderr) = try LoggingBinary(uri: paths.stdout)
                .start(containerID: owner.containerID, namespace: owner.namespace)
            runtimeOnly += [stdout, stderr]
            runtimeStdio[1] = stdout
            runtimeStdio[2] = stderr
            return
        }
        for (index, path) in [(1, paths.stdout), (2, paths.stderr)] where !path.isEmpty {
            let destination = try Self.openOutput(path)
            owned.append(destination)
            let pipe = try Sys.pipe()
            runtimeOnly.append(pipe.write)
            owned.append(pipe.read)
            runtimeStdio[index] = pipe.write
            outputs.append((pipe.read, destination))
        }
    }

    /// A fifo read-write (never blocks, never EPIPE); a `file://` URI or plain file appended to.
    static func openOutput(_ path: String) throws(ShimError) -> Int32 {
        if path.hasPrefix("file://") {
            return try Sys.open(String(path.dropFirst("file://".count)), O_WRONLY | O_CREAT | O_APPEND, mode: 0o640)
        }
        if path.hasPrefix(LoggingBinary.scheme) {
            throw ShimError(.invalidArgument, "a binary:// log URI needs a process without a terminal")
        }
        if Sys.isFIFO(path) { return try Sys.open(path, O_RDWR | O_NONBLOCK) }
        return try Sys.open(path, O_WRONLY | O_CREAT | O_APPEND, mode: 0o640)
    }

    /// The runtime has handed the pipes to the process: drop the shim's copies of its ends, start copying.
    func processStarted() {
        for fd in runtimeOnly { Glibc.close(fd) }
        runtimeOnly.removeAll()
        runtimeStdio.removeAll()
        if stdinSource >= 0 && stdinPipe >= 0 {
            let (source, pipe) = (stdinSource, stdinPipe)
            stdinCopier = FDCopier(from: source, to: pipe, loop: loop, closeSource: false, closeDestination: false) {
                [unowned self] in
                self.closeOwned(source)
                self.closeOwned(pipe)
            }
        }
        for (source, destination) in outputs {
            copiers.append(FDCopier(from: source, to: destination, loop: loop, closeSource: false, closeDestination: false) {
                [unowned self] in
                // EOF from the process: the client's read side sees EOF once this end closes.
                self.closeOwned(source)
                self.closeOwned(destination)
            })
        }
        outputs.removeAll()
    }

    /// Terminal: runc sent the pty master; copy the stdin fifo into it and its output into the stdout fifo.
    func attachConsole(_ master: Int32) {
        console = master
        if stdinSource >= 0 {
            let source = stdinSource
            stdinCopier = FDCopier(from: source, to: master, loop: loop, closeSource: false, closeDestination: false) {
                [unowned self] in self.closeOwned(source)
            }
        }
        if stdoutDestination >= 0 {
            let destination = stdoutDestination
            copiers.append(FDCopier(from: master, to: destination, loop: loop, closeSource: false, closeDestination: false) {
                [unowned self] in self.closeOwned(destination)
            })
        }
    }

    /// CloseIO: the client is done writing; the process sees EOF once what was written is passed on.
    func closeStdin() {
        if let stdinCopier {
            // Its end closes both descriptors; closing them under it could hand their numbers to others.
            stdinCopier.stopWhenEmpty()
        } else {
            closeOwned(stdinPipe)
            closeOwned(stdinSource)
        }
    }

    func resize(width: UInt16, height: UInt16) throws(ShimError) {
        guard console >= 0 else { throw ShimError.notFound("tty for process") }
        var size = winsize(ws_row: height, ws_col: width, ws_xpixel: 0, ws_ypixel: 0)
        guard ioctl(console, UInt(TIOCSWINSZ), &size) == 0 else { throw ShimError.system("resize pty") }
    }

    /// Passes on the rest of an exited process's output, waiting `milliseconds` at most in all.
    func drainOutput(milliseconds: Int) {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        for copier in copiers { copier.drain(until: deadline) }
    }

    /// Whether the process's output has all been passed on (its pipes reached EOF).
    var outputFinished: Bool { copiers.allSatisfy(\.isFinished) }

    private func closeOwned(_ fd: Int32) {
        guard fd >= 0, let index = owned.firstIndex(of: fd) else { return }
        owned.remove(at: index)
        Glibc.close(fd)
        if fd == stdinPipe { stdinPipe = -1 }
        if fd == stdinSource { stdinSource = -1 }
    }

    /// Everything, whatever state the copies are in (the process is deleted).
    func close() {
        for copier in copiers + [stdinCopier].compactMap({ $0 }) where !copier.isFinished { copier.finish() }
        copiers.removeAll()
        stdinCopier = nil
        for fd in runtimeOnly + owned { Glibc.close(fd) }
        runtimeOnly.removeAll()
        owned.removeAll()
        if console >= 0 { Glibc.close(console); console = -1 }
    }
}
