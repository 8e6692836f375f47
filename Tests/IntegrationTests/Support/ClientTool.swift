import Foundation

/// The two clients the conformance suite drives: the stock ctr and Berth's own CLI.
enum ClientTool: String, CaseIterable, Sendable {
    case ctr
    case berth

    var executable: URL { self == .ctr ? Binaries.ctr : Binaries.berth }

    /// Runs the tool against `daemon` with ctr's global options before the subcommand.
    func run(
        _ daemon: DaemonProcess, _ arguments: [String], namespace: String? = nil, stdin: Data? = nil,
        timeout: TimeInterval = 30
    ) throws -> CommandResult {
        var global = ["--address", daemon.socket]
        if let namespace { global += ["--namespace", namespace] }
        return try Command.run(executable, global + arguments, stdin: stdin, timeout: timeout)
    }

    func background(_ daemon: DaemonProcess, _ arguments: [String]) throws -> Background {
        try Background(executable, ["--address", daemon.socket] + arguments)
    }
}

