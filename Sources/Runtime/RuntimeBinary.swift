import BerthCore
import Foundation

/// Finds the shim binary for a runtime name, as containerd's runtime v2 does:
/// `io.containerd.runc.v2` runs `containerd-shim-runc-v2`, found on PATH or next to the daemon's executable;
/// an absolute path names the binary itself.
public enum RuntimeBinary {
    public static func binaryName(for runtime: String) -> String? {
        let parts = runtime.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        return "containerd-shim-\(parts[parts.count - 2])-\(parts[parts.count - 1])"
    }

    /// The daemon's PATH and folder, read once: building `ProcessInfo.environment` and splitting PATH cost
    /// about 400,000 instructions per Tasks/Create, as much as three small RPCs. (berthd never changes its
    /// own environment.)
    public static let daemonSearchPath = ProcessInfo.processInfo.environment["PATH"]
    public static let daemonDirectory = Bundle.main.executableURL?.deletingLastPathComponent().path

    public static func resolve(
        _ runtime: String, searchPath: String? = daemonSearchPath, daemonDirectory: String? = daemonDirectory
    ) throws -> String {
        guard !runtime.isEmpty else { throw BerthError(.unknown, "no runtime name") }
        if runtime.hasPrefix("/") {
            guard isExecutable(runtime) else {
                throw BerthError(.unknown, "runtime binary \"\(runtime)\": file does not exist")
            }
            return runtime
        }
        guard let name = binaryName(for: runtime) else {
            throw BerthError.invalidArgument(
                "invalid runtime name \(runtime), correct runtime name should be either format like "
                    + "`io.containerd.runc.v1` or a full path to the binary")
        }
        var directories = (searchPath ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            .split(separator: ":").map(String.init)
        if let daemonDirectory { directories.append(daemonDirectory) }
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/" + name
            if isExecutable(candidate) { return candidate }
        }
        throw BerthError(.unknown, "runtime \"\(runtime)\" binary not installed \"\(name)\": file does not exist")
    }

    private static func isExecutable(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT != S_IFDIR && access(path, X_OK) == 0
    }
}
