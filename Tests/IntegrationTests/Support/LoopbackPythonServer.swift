import Foundation

/// A server written in Python's standard library, run from `source` with `arguments` and the path of a port
/// file last; the script binds 127.0.0.1:0, writes the port it got to that file (renaming it into place),
/// then serves. Stopped with SIGKILL by `stop()`, which also removes the script.
final class LoopbackPythonServer: @unchecked Sendable {
    let port: Int
    private let process: Process
    private let script: String

    init(source: String, arguments: [String], name: String) throws {
        script = "/tmp/berth-\(name)-\(UUID().uuidString.prefix(8)).py"
        let portFile = script + ".port"
        try source.write(toFile: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script] + arguments + [portFile]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        var port: Int?
        while port == nil && process.isRunning && Date() < deadline {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            if port == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        try? FileManager.default.removeItem(atPath: portFile)
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            try? FileManager.default.removeItem(atPath: script)
            throw TestFailure("\(name) did not start")
        }
        self.port = port
        self.process = process
    }

    func stop() {
        if process.isRunning {
            // SIGKILL: Python keeps a SIGTERM the test runner ignores, and ignored signals pass through exec.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: script)
    }
}
