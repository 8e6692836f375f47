import Foundation

/// A directory under the system temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("rtspec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` at `relative`, creating parent directories.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> URL {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file
    }

    /// Creates a symlink at `relative` whose content is `target`, as is.
    func symlink(_ relative: String, to target: String) throws {
        let link = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target)
    }
}

/// A rootfs with the accounts of a small distribution image.
func accountsRootfs() throws -> TemporaryDirectory {
    let rootfs = try TemporaryDirectory()
    try rootfs.write(
        "etc/passwd",
        """
        root:x:0:0:root:/root:/bin/sh
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
        alice:x:1000:1000:Alice:/home/alice:/bin/sh
          bob:x:1001:100:Bob:/home/bob:/bin/sh
        short:x:1002

        """)
    try rootfs.write(
        "etc/group",
        """
        # groups
        root:x:0:root
        wheel:x:10:root,alice
        users:x:100:alice,bob
        alice:x:1000:alice
        audio:x:29:bob
        video:x:44:
        """)
    return rootfs
}

enum Tools {
    static let ctr = "/usr/bin/ctr"
    static var ctrAvailable: Bool { FileManager.default.isExecutableFile(atPath: ctr) }

    /// Runs `executable` and returns its standard output; throws on a non-zero exit.
    static func run(_ executable: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(executable) exited \(process.terminationStatus)"])
        }
        return data
    }
}
