import BerthCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A directory's copies in the layers below an overlay upper dir. A directory that a layer writes into without
/// naming it takes its nearest lower copy's attributes, as overlay's copy-up would, so that it hides nothing.
enum LowerDirectories {
    /// The nearest lower (lowers are nearest first) that has `relative` as a directory, with its lstat.
    static func nearest(_ relative: String, in lowers: [String]) -> (path: String, info: stat)? {
        for lower in lowers {
            let candidate = lower + "/" + relative
            var info = stat()
            if lstat(candidate, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { return (candidate, info) }
        }
        return nil
    }

    /// Gives the directory `target` the mode, owner and extended attributes (overlay's own aside) of `lower`.
    /// chmod comes after chown, which clears the set-id bits.
    static func copyAttributes(from lower: (path: String, info: stat), to target: String, name: String) throws {
        guard lchown(target, lower.info.st_uid, lower.info.st_gid) == 0, chmod(target, lower.info.st_mode & 0o7777) == 0 else {
            throw BerthError(.unknown, "setting the attributes of \(name): \(String(cString: strerror(errno)))")
        }
        Xattrs.copy(from: lower.path, to: target)
    }
}
