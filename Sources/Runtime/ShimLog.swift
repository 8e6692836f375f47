import Dispatch
import Glibc
import Foundation
import Logging

/// The shim's log fifo (`<bundle>/log`): the shim writes its logs there, the daemon copies them into its own
/// log. Opened read-write so that opening never blocks and the shim's writer never sees a closed pipe.
final class ShimLog: @unchecked Sendable {
    private let source: DispatchSourceRead
    private let descriptor: Int32
    private let lock = NSLock()
    private var partial = Data()

    init(bundle: String, taskID: String, logger: Logger) throws {
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
            for line in self.lines(Data(buffer[0..<count])) {
                logger.info("shim log", metadata: ["id": "\(taskID)", "line": "\(line)"])
            }
        }
        source.setCancelHandler { _ = Glibc.close(fd) }
        source.resume()
    }

    private func lines(_ data: Data) -> [String] {
        lock.withLock {
            partial.append(data)
            var result: [String] = []
            while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
                result.append(String(decoding: partial[partial.startIndex..<newline], as: UTF8.self))
                partial.removeSubrange(partial.startIndex...newline)
            }
            return result
        }
    }

    func close() {
        source.cancel()
    }
}
