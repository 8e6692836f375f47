import Glibc

/// The shim's own log: lines written to the bundle's `log` fifo, which the daemon reads (containerd opens
/// the same fifo). Writes never block: a line that does not fit is dropped.
final class ShimLog {
    private let fd: Int32
    let debug: Bool

    init(fd: Int32, debug: Bool) {
        self.fd = fd
        self.debug = debug
    }

    /// The bundle's `log` fifo opened read-write (never blocks, never EPIPE), or nothing if there is none.
    static func open(bundle: String, debug: Bool) -> ShimLog {
        let path = bundle + "/log"
        let fd = Sys.isFIFO(path) ? Glibc.open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC) : -1
        return ShimLog(fd: fd, debug: debug)
    }

    var descriptor: Int32 { fd }

    func write(_ message: String) {
        guard fd >= 0 else { return }
        let line = Array("level=info msg=\"\(message.replacingQuotes())\" runtime=io.containerd.berth.v1\n".utf8)
        _ = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    func debug(_ message: @autoclosure () -> String) {
        if debug { write(message()) }
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var result = ""
        for character in self {
            switch character {
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}
