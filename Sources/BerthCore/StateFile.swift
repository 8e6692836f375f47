import Glibc

/// Small files the daemon writes whole: a task bundle's spec, runtime name, shim address and pid, an ingest's
/// ref, dates and sizes. Written with plain system calls and no fsync: bundle files describe live processes,
/// which a kernel crash ends anyway, ingest files only say how to resume data that is not synced either, and a
/// daemon crash leaves the page cache intact. Foundation's writers sync every file (and try an extended
/// attribute); on a disk that cost a task start about a millisecond per file, on the event loop.
public enum StateFile {
    public static func write(_ text: String, to path: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0), to: path) }
    }

    /// Through a temporary name and a rename, so that a reader sees the old file or the whole new one.
    public static func replace(_ text: String, at path: String) throws {
        var text = text
        try text.withUTF8 { try replace(UnsafeRawBufferPointer($0), at: path) }
    }

    public static func replace(_ bytes: UnsafeRawBufferPointer, at path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        do {
            try write(bytes, to: temporary)
            guard rename(temporary, path) == 0 else { throw systemError("rename", temporary, errno) }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw systemError("open", path, errno) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw systemError("write", path, errno)
            }
            offset += written
        }
    }
}
