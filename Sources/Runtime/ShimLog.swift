import Dispatch
import Glibc
import Foundation

/// The shim's log fifo (`<bundle>/log`): the shim writes its logs there, the daemon copies them to its own
/// stderr as they are, whole lines at a time, as containerd does (its shims already write logrus lines with
/// their namespace and runtime). Re-logging each line through the daemon's logger cost 150k instructions a
/// line, and the stock shim writes four for every task. Opened read-write so that opening never blocks and
/// the shim's writer never sees a closed pipe.
final class ShimLog: @unchecked Sendable {
    private let source: DispatchSourceRead
    private let descriptor: Int32
    private let lock = NSLock()
    private var partial = Data()

    init(bundle: String) throws {
        let path = bundle + "/log"
        if mkfifo(path, 0o700) != 0 && errno != EEXIST {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        descriptor = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: .global(qos: .utility))
        let fd = descriptor
        source.setEventHandler { [weak self] in
            var buffer = [UInt8](repeating: 0, count: 16 << 10)
            let count = read(fd, &buffer, buffer.count)
            guard count > 0, let self else { return }
            let lines = self.completeLines(Data(buffer[0..<count]))
            lines.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(STDERR_FILENO, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                    guard written > 0 else { return }
                    offset += written
                }
            }
        }
        source.setCancelHandler { _ = Glibc.close(fd) }
        source.resume()
    }

    /// What was read, up to its last newline; the rest waits for the next read. A line longer than 64 KiB is
    /// let through unfinished rather than held forever.
    private func completeLines(_ data: Data) -> Data {
        lock.withLock {
            partial.append(data)
            let end = partial.lastIndex(of: UInt8(ascii: "\n")).map { partial.index(after: $0) }
                ?? (partial.count > 64 << 10 ? partial.endIndex : partial.startIndex)
            let lines = partial[partial.startIndex..<end]
            partial = Data(partial[end...])
            return Data(lines)
        }
    }

    func close() {
        source.cancel()
    }
}
