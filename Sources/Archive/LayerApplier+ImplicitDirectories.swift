import BerthCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension LayerApplier {
    /// Gives each directory that `apply` created implicitly in the overlay upper dir `root` (its result's
    /// `implicitDirectories`) the mode, owner and extended attributes of its nearest copy in `lowers` (nearest
    /// first): the result `apply` gives when it knows the lowers up front. Layers can then be applied in
    /// parallel, each before the layers below it are finished. A directory that no lower has stays as created
    /// (0755 root:root), as it would then; one that is no longer a directory is skipped.
    public static func inheritLowerAttributes(root: String, implicitDirectories: [String], lowers: [String]) throws {
        guard let resolved = realpath(root, nil) else {
            throw BerthError.notFound("layer target \(root): \(String(cString: strerror(errno)))")
        }
        let target = String(cString: resolved)
        free(resolved)
        for directory in implicitDirectories {
            let relative = try EntryPath.normalize(directory)
            guard !relative.isEmpty else { continue }
            // The paths come from the caller: nothing is changed through a symlink, in or out of the root.
            let path = try EntryPath.resolveWithoutSymlinks(root: target, relative)
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR,
                  let lower = LowerDirectories.nearest(relative, in: lowers)
            else { continue }
            try LowerDirectories.copyAttributes(from: lower, to: path, name: relative)
        }
    }
}
