import Glibc

enum DescriptorReader {
    /// Reads `fd` to its end; more than `limit` bytes is an error naming `path`.
    static func readAll(_ fd: Int32, path: String, operation: String, limit: Int = .max) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SpecError.system(operation: operation, path: path, errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= limit else { throw SpecError.invalidArgument("\(path) is larger than \(limit) bytes") }
        }
    }
}
