import BerthAPI
import BerthCore
import Glibc

/// The container's root filesystem: the request's mounts (an overlay, or a bind of one directory) mounted
/// onto `<bundle>/rootfs` with mount(2), as containerd's mount.All does, and unmounted again at delete.
struct RootfsMount: Equatable {
    static let readOnly = MountOptions.readOnly
    static let bind = MountOptions.bind
    static let recursive = MountOptions.recursive

    var type: String
    var source: String
    var options: MountOptions
    var flags: UInt { options.flags }
    var data: String { options.data }

    init(type: String, source: String, options: [String]) {
        self.type = type
        self.source = source
        self.options = MountOptions(options)
    }

    /// The directory to mount from: overlay options too long for a page name their lower dirs relative to it.
    var workingDirectory: String?

    init(_ mount: Containerd_Types_Mount) {
        guard mount.type == "overlay" else {
            self.init(type: mount.type, source: mount.source, options: mount.options)
            return
        }
        let (options, directory) = OverlayLowerDirs.compacted(mount.options)
        self.init(type: mount.type, source: mount.source, options: options)
        workingDirectory = directory
    }

    func mount(on target: String) throws(ShimError) {
        var failure: (step: String, code: Int32)?
        try inWorkingDirectory { failure = options.mount(type: type, source: source, on: target) }
        if let failure { throw ShimError.system(failure.step, failure.code) }
    }

    /// Runs `body` from `workingDirectory`, then returns to where the shim was. The shim is one thread, so the
    /// change of directory is seen by nothing else (containerd forks a child for this; Go has many threads).
    private func inWorkingDirectory(_ body: () -> Void) throws(ShimError) {
        guard let workingDirectory else { return body() }
        let previous = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard previous >= 0 else { throw ShimError.system("open the working directory") }
        defer { close(previous) }
        guard chdir(workingDirectory) == 0 else { throw ShimError.system("chdir \(workingDirectory)") }
        body()
        guard fchdir(previous) == 0 else { throw ShimError.system("return to the working directory") }
    }

    /// Mounts every layer in order; on failure the ones done are undone.
    static func mountAll(_ mounts: [Containerd_Types_Mount], on target: String) throws(ShimError) {
        var done = 0
        do {
            for mount in mounts {
                try RootfsMount(mount).mount(on: target)
                done += 1
            }
        } catch {
            for _ in 0..<done { _ = umount2(target, Int32(MNT_DETACH)) }
            throw error
        }
    }

    /// Unmounts everything stacked on `target` (containerd's UnmountAll); a busy mount is detached.
    static func unmountAll(_ target: String) {
        for _ in 0..<64 {
            if umount2(target, 0) == 0 { continue }
            if errno == EBUSY && umount2(target, Int32(MNT_DETACH)) == 0 { continue }
            return
        }
    }
}
