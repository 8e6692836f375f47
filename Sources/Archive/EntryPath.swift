import BerthCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Layer entry names, made relative and checked before anything touches the disk.
enum EntryPath {
    /// "./a/b/", "/a/b" -> "a/b"; "." -> "". A `..` component anywhere is an escape attempt.
    static func normalize(_ raw: String) throws -> String {
        var components: [Substring] = []
        for component in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." {
                throw BerthError.invalidArgument("layer entry \"\(raw)\" escapes the root: it has a \"..\" component")
            }
            components.append(component)
        }
        return components.joined(separator: "/")
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    static func base(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `root/relative`, after checking that no existing component on the way is a symlink: deleting or
    /// marking through a symlink could touch a path outside the root.
    static func resolveWithoutSymlinks(root: String, _ relative: String) throws -> String {
        var path = root
        for component in relative.split(separator: "/") {
            path += "/" + component
            var info = stat()
            if lstat(path, &info) != 0 { break }  // the rest does not exist yet
            if (info.st_mode & S_IFMT) == S_IFLNK && path != root + "/" + relative {
                throw BerthError.invalidArgument("layer entry \"\(relative)\" goes through the symlink \(path.dropFirst(root.count + 1))")
            }
        }
        return root + (relative.isEmpty ? "" : "/" + relative)
    }
}
