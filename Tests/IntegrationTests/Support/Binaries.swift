import Foundation

/// Where the tools under test live: Berth's own from the build folder, ctr from Debian's containerd package.
enum Binaries {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// BERTH_BIN_DIR overrides the build folder (a different --scratch-path or configuration).
    static let buildDirectory: URL = {
        if let dir = ProcessInfo.processInfo.environment["BERTH_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return packageRoot.appendingPathComponent(".build/debug")
    }()

    static let berthd = buildDirectory.appendingPathComponent("berthd")
    static let berth = buildDirectory.appendingPathComponent("berth")
    static let ctr = URL(fileURLWithPath: "/usr/bin/ctr")
}
