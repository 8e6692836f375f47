import CLinux
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Extended attributes of paths (never following symlinks). overlayfs' own `trusted.overlay.*` are left alone.
enum Xattrs {
    static func names(_ path: String) -> [String] {
        let size = llistxattr(path, nil, 0)
        guard size > 0 else { return [] }
        var buffer = [CChar](repeating: 0, count: size)
        let read = llistxattr(path, &buffer, size)
        guard read > 0 else { return [] }
        return buffer[..<read].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    static func copy(from source: String, to target: String) {
        for name in names(source) where !name.hasPrefix("trusted.overlay.") {
            let size = lgetxattr(source, name, nil, 0)
            guard size >= 0 else { continue }
            var value = [UInt8](repeating: 0, count: max(size, 1))
            let read = lgetxattr(source, name, &value, size)
            guard read >= 0 else { continue }
            _ = lsetxattr(target, name, value, read, 0)
        }
    }

    static func removeUserAndSecurity(_ path: String) {
        for name in names(path) where name.hasPrefix("user.") || name.hasPrefix("security.") {
            _ = lremovexattr(path, name)
        }
    }
}
