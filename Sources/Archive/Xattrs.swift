import CLinux
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Extended attributes of paths (never following symlinks). overlayfs' own `trusted.overlay.*` are left alone.
enum Xattrs {
    static func names(_ path: String) -> [String] {
        names(Array(path.utf8CString))
    }

    static func names(_ path: [CChar]) -> [String] {
        let size = llistxattr(path, nil, 0)
        guard size > 0 else { return [] }
        var buffer = [CChar](repeating: 0, count: size)
        let read = llistxattr(path, &buffer, size)
        guard read > 0 else { return [] }
        return buffer[..<read].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// The value of `name`, nil when there is none.
    static func value(_ path: [CChar], _ name: String) -> [UInt8]? {
        let size = lgetxattr(path, name, nil, 0)
        guard size >= 0 else { return nil }
        var value = [UInt8](repeating: 0, count: max(size, 1))
        let read = lgetxattr(path, name, &value, value.count)
        guard read >= 0 else { return nil }
        return Array(value[..<read])
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

    /// Whether a layer carries the attribute: the user's, file capabilities, and trusted ones but overlay's
    /// (its whiteout and opaque markers become tar entries). security.selinux and the like belong to the host.
    static func isLayerAttribute(_ name: String) -> Bool {
        name.hasPrefix("user.") || name == "security.capability"
            || (name.hasPrefix("trusted.") && !name.hasPrefix("trusted.overlay."))
    }

    /// The attributes a layer carries for `path`, by name.
    static func layerAttributes(_ path: [CChar]) -> [Xattr] {
        names(path).filter(isLayerAttribute).sorted().compactMap { name in
            value(path, name).map { Xattr(name: name, value: $0) }
        }
    }
}

struct Xattr: Equatable {
    var name: String
    var value: [UInt8]
}
