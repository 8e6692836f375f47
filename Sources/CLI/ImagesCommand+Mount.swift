import ArgumentParser
import BerthClient
import BerthCore
import Foundation
import Glibc
import GRPCCore

extension ImagesCommand {
    struct MountImage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mount", abstract: "Mount an image's root filesystem (read-only unless --rw) at a target.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @Flag(help: "Mount read-write.") var rw = false
        @Argument(help: "The image.") var name: String
        @Argument(help: "Where to mount it.") var target: String

        func run() async throws {
            try await global.withClient { client in
                // As ctr: a lease named after the target holds the view; `unmount --rm` drops both.
                let lease = try await client.createLease(
                    id: target, labels: [GCLabels.flat: "true"], expiresIn: .seconds(24 * 3600))
                let leased = client.withLease(lease.id)
                let image = try await leased.image(name)
                let chainID = try await leased.imageChainID(image.target, platform: HostPlatform.formatted)
                let mounts = rw
                    ? try await leased.prepareSnapshot(target, parent: chainID, snapshotter: snapshotter.resolved)
                    : try await leased.viewSnapshot(target, parent: chainID, snapshotter: snapshotter.resolved)
                for mount in mounts { try SystemMount.mount(mount, at: target) }
                CommandOutput.write(target + "\n")
            }
        }
    }

    struct UnmountImage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unmount", abstract: "Unmount an image's root filesystem.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @Flag(help: "Also remove the snapshot and lease the mount used.") var rm = false
        @Argument(help: "The mount point.") var target: String

        func run() async throws {
            try SystemMount.unmount(target)
            if rm {
                try await global.withClient { client in
                    try await client.deleteLease(target)
                    // As ctr: the collection that the lease's deletion starts may have removed it already.
                    do {
                        try await client.removeSnapshot(target, snapshotter: snapshotter.resolved)
                    } catch let error as RPCError where error.code == .notFound {}
                }
            }
            CommandOutput.write(target + "\n")
        }
    }
}

/// Mounting with mount(2), as containerd's client does. Overlay options too long for a page are mounted by
/// util-linux's mount(8) from the layers' common directory: this process has threads, so it cannot change
/// its own working directory for the call as the shim does.
enum SystemMount {
    static func mount(_ mount: MountDescription, at target: String) throws {
        let (compacted, directory) = OverlayLowerDirs.compacted(mount.options)
        let absoluteTarget = target.hasPrefix("/") ? target : FileManager.default.currentDirectoryPath + "/" + target
        if let directory {
            try run("/bin/mount", ["-t", mount.type, "-o", compacted.joined(separator: ","), mount.source, absoluteTarget],
                    in: directory)
            return
        }
        if let failure = MountOptions(mount.options).mount(type: mount.type, source: mount.source, on: absoluteTarget) {
            throw systemError(failure.step, failure.code)
        }
    }

    static func unmount(_ target: String) throws {
        guard umount2(target, 0) == 0 else {
            let code = errno
            throw systemError("unmount \(target)", code)
        }
    }

    private static func systemError(_ action: String, _ code: Int32) -> BerthError {
        BerthError.failedPrecondition("\(action): \(String(cString: strerror(code)))")
    }

    private static func run(_ tool: String, _ arguments: [String], in directory: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw BerthError.failedPrecondition("\((tool as NSString).lastPathComponent) \(arguments.joined(separator: " ")): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
