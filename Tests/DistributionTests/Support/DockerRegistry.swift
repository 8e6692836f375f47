import BerthCore
import Foundation

/// Debian's /usr/bin/docker-registry serving from a temporary directory on 127.0.0.1.
struct DockerRegistry: Sendable {
    let port: Int
    let scheme: String
    var address: String { "127.0.0.1:\(port)" }

    struct TLS {
        var certificate: String
        var key: String
    }

    /// Starts a registry with filesystem storage under `directory`, runs `body`, and stops it
    /// whether `body` succeeds or throws.
    static func with<T>(
        directory: String, tls: TLS? = nil, htpasswd: String? = nil, _ body: (DockerRegistry) async throws -> T
    ) async throws -> T {
        var lastError: (any Error)?
        for attempt in 1...3 {
            let port = try freePort()
            var config = """
                version: 0.1
                log:
                  level: error
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: \(directory)/data-\(attempt)
                http:
                  addr: 127.0.0.1:\(port)

                """
            if let tls {
                config += "  tls:\n    certificate: \(tls.certificate)\n    key: \(tls.key)\n"
            }
            if let htpasswd {
                config += "auth:\n  htpasswd:\n    realm: berth-test\n    path: \(htpasswd)\n"
            }
            let configPath = "\(directory)/registry-\(attempt).yml"
            try writeFile(configPath, config)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
            process.arguments = ["serve", configPath]
            let logPath = "\(directory)/registry-\(attempt).log"
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let started = ContinuousClock.now
            while process.isRunning, !isListening(port), ContinuousClock.now - started < .seconds(30) {
                try? await Task.sleep(for: .milliseconds(20))
            }
            guard process.isRunning, isListening(port) else {
                await stop(process)
                let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                lastError = BerthError(.unavailable, "docker-registry did not start on \(port): \(text)")
                continue
            }
            let registry = DockerRegistry(port: port, scheme: tls == nil ? "http" : "https")
            do {
                let result = try await body(registry)
                await stop(process)
                return result
            } catch {
                await stop(process)
                throw error
            }
        }
        throw lastError ?? BerthError(.unavailable, "docker-registry did not start")
    }

    private static func stop(_ process: Process) async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
