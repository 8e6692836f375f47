import Glibc

/// Small files in the daemon's state directory (a task bundle's spec, runtime name, shim address and pid).
/// Written with plain system calls and no fsync: they describe live processes, which a kernel crash ends
/// anyway, and a daemon crash leaves the page cache intact. Foundation's writers sync every file (and try an
/// extended attribute); on a disk that cost a task start about a millisecond per file, on the event loop.
public enum StateFile {
    public static func write(_ text: String, to path: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0), to: path) }
    }

    /// Through a temporary name and a rename, so that a reader sees the old file or the whole new one.
    public static func replace(_ text: String, at path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        do {
            try write(text, to: temporary)
            guard rename(temporary, path) == 0 else { throw failure("rename", temporary) }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("open", path) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            offset += written
        }
    }

    private static func failure(_ call: String, _ path: String) -> BerthError {
        BerthError(.unknown, "\(call) \(path): \(String(cString: strerror(errno)))")
    }
}
