import BerthCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An overlay upper directory read as the layer it is, without mounting it (containerd's DiffDirChanges with
/// its overlayfs source): every entry is a change, a 0/0 character device is a whiteout, and a directory
/// marked `trusted.overlay.opaque=y` is written with `.wh..wh..opq` right after it.
struct OverlayUpperWalk {
    static let opaque = "trusted.overlay.opaque"
    /// Written by overlay's redirect_dir and metacopy features: the upper entry's contents are then in a lower
    /// layer, at a path the upper dir alone cannot tell.
    static let needsLowers = ["trusted.overlay.redirect", "trusted.overlay.metacopy"]

    let upper: RawPath
    let changes: ChangeWriter

    func walk() throws {
        try walk(.empty)
    }

    private func walk(_ relative: RawPath) throws {
        for name in try upper.appending(relative).directoryNames() {
            let child = relative.appending(name)
            let path = upper.appending(child)
            let info = try path.status()
            let type = info.st_mode & S_IFMT
            if type == S_IFCHR && info.st_rdev == 0 {
                try changes.deleted(child)
                continue
            }
            let names = Xattrs.names(path.cString)
            if let marker = Self.needsLowers.first(where: names.contains) {
                throw BerthError.failedPrecondition(
                    "cannot diff the overlay upper dir \(upper.display) alone: \(child.display) has \(marker) (redirect_dir or metacopy is on)")
            }
            try changes.changed(child, info)
            if type == S_IFDIR {
                if names.contains(Self.opaque), Xattrs.value(path.cString, Self.opaque) == [UInt8(ascii: "y")] {
                    try changes.opaque(child)
                }
                try walk(child)
            }
        }
    }
}
