import Archive
import BerthAPI
import BerthCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What Diff compares, from the two mount lists a client sends. Berth's snapshotters give the fast cases:
/// an overlay whose lowers are exactly the other side's layers is read from its upper directory alone (a
/// committed snapshot's view is the same with its own layer as the top lower); bind mounts are plain
/// directories. Anything else is mounted read-only in a temporary directory for a double walk.
struct DiffSources {
    let source: DiffSource
    private let mountpoints: [String]

    static func resolve(left: [Containerd_Types_Mount], right: [Containerd_Types_Mount]) throws -> DiffSources {
        let leftLayers = try layers(left)
        if let upper = try overlayUpper(right, lowers: leftLayers) {
            return DiffSources(source: .overlayUpper(upper), mountpoints: [])
        }
        var mounted: [String] = []
        do {
            let lower = try directory(left, mounted: &mounted)
            guard let upper = try directory(right, mounted: &mounted) else {
                throw BerthError.invalidArgument("diff needs mounts for the upper (right) side")
            }
            return DiffSources(source: .directories(lower: lower, upper: upper), mountpoints: mounted)
        } catch {
            DiffSources(source: .overlayUpper(""), mountpoints: mounted).release()
            throw error
        }
    }

    /// Unmounts and removes what `resolve` mounted.
    func release() {
        for mountpoint in mountpoints {
            _ = umount2(mountpoint, Int32(MNT_DETACH))
            rmdir(mountpoint)
        }
    }

    /// The layer directories a side shows, top first: a bind's source, an overlay's upper then lowers.
    private static func layers(_ mounts: [Containerd_Types_Mount]) throws -> [String] {
        guard let mount = mounts.first else { return [] }
        guard mounts.count == 1 else { throw BerthError.notImplemented("diff of \(mounts.count) stacked mounts") }
        switch mount.type {
        case "bind", "rbind": return [mount.source]
        case "overlay": return (option("upperdir", mount).map { [$0] } ?? []) + lowerDirs(mount)
        default: return []
        }
    }

    /// The directory holding only the right side's changes over `lowers`, when the right side is an overlay
    /// (or a view of one) stacked on exactly those layers.
    private static func overlayUpper(_ right: [Containerd_Types_Mount], lowers: [String]) throws -> String? {
        guard right.count == 1, let mount = right.first, mount.type == "overlay" else {
            // A view of a committed bottom layer is a bind of it: everything in it is the change.
            if lowers.isEmpty, right.count == 1, let mount = right.first, ["bind", "rbind"].contains(mount.type),
               mount.options.contains("ro") {
                return mount.source
            }
            return nil
        }
        let rightLowers = lowerDirs(mount)
        if let upper = option("upperdir", mount) {
            return rightLowers == lowers ? upper : nil
        }
        guard let top = rightLowers.first, Array(rightLowers.dropFirst()) == lowers else { return nil }
        return top
    }

    /// A side as one directory: a bind's source as it is, an overlay mounted read-only; nil for no mounts.
    private static func directory(_ mounts: [Containerd_Types_Mount], mounted: inout [String]) throws -> String? {
        guard let mount = mounts.first else { return nil }
        guard mounts.count == 1 else { throw BerthError.notImplemented("diff of \(mounts.count) stacked mounts") }
        if ["bind", "rbind"].contains(mount.type) { return mount.source }
        let target = try makeMountpoint()
        let (options, directory) = OverlayLowerDirs.compacted(mount.options.filter { !["ro", "rw"].contains($0) })
        do {
            if let directory {
                // Relative lower dirs need the mount made from their directory: mount(8) in a child, since
                // the daemon's own working directory is shared by all its threads.
                try mountFrom(directory, type: mount.type, source: mount.source, target: target, options: ["ro"] + options)
            } else if Glibc.mount(mount.source, target, mount.type, UInt(MS_RDONLY), options.joined(separator: ",")) != 0 {
                throw BerthError.invalidArgument(
                    "cannot mount \(mount.type) \(mount.source) for diff: \(String(cString: strerror(errno)))")
            }
        } catch {
            rmdir(target)
            throw error
        }
        mounted.append(target)
        return target
    }

    private static func mountFrom(_ directory: String, type: String, source: String, target: String, options: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/mount")
        process.arguments = ["-t", type, "-o", options.joined(separator: ","), source, target]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw BerthError.invalidArgument("cannot mount \(type) \(source) for diff: \(message)")
        }
    }

    private static func makeMountpoint() throws -> String {
        try TemporaryDirectory.make(prefix: "berth-diff-")
    }

    private static func option(_ name: String, _ mount: Containerd_Types_Mount) -> String? {
        mount.options.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    private static func lowerDirs(_ mount: Containerd_Types_Mount) -> [String] {
        option("lowerdir", mount)?.split(separator: ":").map(String.init) ?? []
    }
}
