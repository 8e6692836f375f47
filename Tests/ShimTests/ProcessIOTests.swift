import Glibc
import Testing
@testable import Shim

@Suite struct ProcessIOTests {
    /// Runs the loop until `done` holds (at most about two seconds).
    static func run(_ loop: EventLoop, until done: () -> Bool) {
        for _ in 0..<200 where !done() { loop.runOnce(maxWaitMilliseconds: 10) }
    }

    static func readAvailable(_ fd: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(fd, &buffer, buffer.count)
        return count > 0 ? Array(buffer[0..<count]) : []
    }

    @Test func copierPassesBytesAndClosesAtEOF() throws {
        let loop = EventLoop()
        let source = try Sys.pipe()
        let destination = try Sys.pipe()
        defer { close(destination.read) }
        var finished = false
        let copier = FDCopier(from: source.read, to: destination.write, loop: loop, closeSource: true, closeDestination: true) {
            finished = true
        }
        Sys.writeAll(source.write, Array("hello".utf8))
        close(source.write)
        Self.run(loop) { finished }
        #expect(copier.isFinished)
        Sys.setBlocking(destination.read)
        #expect(Sys.readAll(destination.read) == Array("hello".utf8))
    }

    @Test func outputFifoGetsTheProcessOutputThenEOF() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fifo = directory.path + "/stdout"
        #expect(mkfifo(fifo, 0o600) == 0)
        let loop = EventLoop()
        let io = try ProcessIO(paths: .init(stdout: fifo), loop: loop)
        defer { io.close() }
        // What the process would hold: its copy of the pipe's write end.
        let processStdout = dup(io.runtimeStdio[1])
        #expect(io.runtimeStdio[0] != io.runtimeStdio[1])
        io.processStarted()
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        Sys.writeAll(processStdout, Array("out\n".utf8))
        var received: [UInt8] = []
        Self.run(loop) {
            received += Self.readAvailable(reader)
            return received.count >= 4
        }
        #expect(received == Array("out\n".utf8))
        close(processStdout)
        Self.run(loop) { io.outputFinished }
        #expect(io.outputFinished)
        // The shim closed its end: with no writer left, the client reads EOF.
        var byte: UInt8 = 0
        #expect(read(reader, &byte, 1) == 0)
    }

    @Test func stdinFifoReachesTheProcessAndCloseIOEndsIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fifo = directory.path + "/stdin"
        #expect(mkfifo(fifo, 0o600) == 0)
        let loop = EventLoop()
        let io = try ProcessIO(paths: .init(stdin: fifo), loop: loop)
        defer { io.close() }
        let processStdin = dup(io.runtimeStdio[0])
        defer { close(processStdin) }
        io.processStarted()
        let writer = open(fifo, O_WRONLY | O_NONBLOCK)
        defer { close(writer) }
        Sys.writeAll(writer, Array("typed".utf8))
        Sys.setNonBlocking(processStdin)
        var received: [UInt8] = []
        Self.run(loop) {
            received += Self.readAvailable(processStdin)
            return received.count >= 5
        }
        #expect(received == Array("typed".utf8))
        io.closeStdin()
        Self.run(loop) { false }
        var byte: UInt8 = 0
        #expect(read(processStdin, &byte, 1) == 0)
    }

    @Test func noPathsMeansDevNull() throws {
        let io = try ProcessIO(paths: .init(), loop: EventLoop())
        defer { io.close() }
        #expect(io.runtimeStdio.count == 3)
        #expect(Set(io.runtimeStdio).count == 1)
    }

    @Test func controlMessageCarriesTheDescriptor() {
        var control = [UInt8](repeating: 0, count: 24)
        control.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: 20, toByteOffset: 0, as: Int.self)
            raw.storeBytes(of: SOL_SOCKET, toByteOffset: 8, as: Int32.self)
            raw.storeBytes(of: 1, toByteOffset: 12, as: Int32.self)
            raw.storeBytes(of: 42, toByteOffset: 16, as: Int32.self)
        }
        #expect(ConsoleSocket.descriptor(fromControl: control) == 42)
        #expect(ConsoleSocket.descriptor(fromControl: Array(control.prefix(10))) == nil)
    }

    @Test func binaryLogURIsNameAProgramAndItsArguments() throws {
        let plain = try LoggingBinary(uri: "binary:///usr/local/bin/logger")
        #expect(plain == LoggingBinary(path: "/usr/local/bin/logger", arguments: []))
        let queried = try LoggingBinary(uri: "binary:///opt/log%20er?id=a%2Fb&verbose&empty=")
        #expect(queried.path == "/opt/log er")
        #expect(queried.arguments == ["id", "a/b", "verbose", "empty"])
        #expect(throws: ShimError.self) { try LoggingBinary(uri: "binary://relative/logger") }
        #expect(throws: ShimError.self) { try LoggingBinary(uri: "file:///x") }
    }
}
