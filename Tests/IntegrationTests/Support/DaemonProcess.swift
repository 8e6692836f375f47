import Foundation

/// A real berthd on a temporary root, state dir and socket; killed when released.
final class DaemonProcess: @unchecked Sendable {
    let base: String
    let root: String
    let state: String
    let socket: String
    let logPath: String
    private let process = Process()

    /// Starts berthd and waits until it logs that it serves. `base` reuses another daemon's folders.
    init(
        extraArguments: [String] = [], base existingBase: String? = nil, socketName: String = "berth.sock",
        waitForServing: Bool = true, environment: [String: String] = [:]
    ) throws {
        // Short paths: a unix socket path must fit in 107 bytes.
        base = existingBase ?? "/tmp/berth-it-\(UUID().uuidString.prefix(8))"
        root = base + "/root"
        state = base + "/state"
        socket = base + "/" + socketName
        logPath = base + "/berthd-\(UUID().uuidString.prefix(4)).log"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = Binaries.berthd
        process.arguments =
            ["--root", root, "--state", state, "--address", socket, "--log-level", "debug"] + extraArguments
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = log
        process.standardError = log
        try process.run()
        if waitForServing { try waitUntilServing() }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    /// Whether the process has exited through SIGKILL (a crash point fired, or a test killed it).
    var diedOfSIGKILL: Bool {
        !process.isRunning && process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits until berthd serves; `exitIsFine` also accepts its death meanwhile (a crash point at start).
    func waitUntilServing(exitIsFine: Bool = false) throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !process.isRunning {
                if exitIsFine { return }
                throw TestFailure("berthd exited with \(process.terminationStatus) before serving:\n\(log)")
            }
            // As containerd, berthd collects garbage once shortly after start; tests begin after that, so the
            // collection cannot take content they write before anything references it.
            if log.contains("berthd serving") && log.contains("garbage collect") { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw TestFailure("berthd did not start serving within 20s:\n\(log)")
    }

    /// Waits for the process to exit by itself; returns its status, or nil if it is still running.
    func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Sends a signal and waits for the process to exit; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, signal)
        if let status = waitForExit(timeout: 15) { return status }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationStatus
    }

    func removeFiles() {
        try? FileManager.default.removeItem(atPath: base)
    }

    deinit {
        stop(signal: SIGKILL)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
