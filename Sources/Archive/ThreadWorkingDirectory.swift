import BerthCore
import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// The calling thread's working directory, moved into a layer's root while the layer is extracted.
/// libarchive's secure-symlink check walks every component of an entry's path from the working directory:
/// for an absolute path that is the whole way down from "/", a dozen lookups per entry, most of them above
/// the layer. Relative to the layer's root it looks only at the entry's own components.
/// The thread first takes a working directory of its own (CLONE_FS), so no other thread's paths move.
struct ThreadWorkingDirectory {
    /// The directory to go back to, or -1 when the old one could not be opened (it was removed): then "/".
    private let previous: Int32

    init(entering path: String) throws {
        guard berth_unshare_fs() == 0 else {
            throw BerthError(.unknown, "unshare(CLONE_FS): \(String(cString: strerror(errno)))")
        }
        previous = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard chdir(path) == 0 else {
            let error = BerthError(.unknown, "chdir \(path): \(String(cString: strerror(errno)))")
            if previous >= 0 { close(previous) }
            throw error
        }
    }

    func leave() {
        if previous >= 0 {
            _ = fchdir(previous)
            close(previous)
        } else {
            _ = chdir("/")
        }
    }
}
