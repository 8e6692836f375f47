import Foundation

/// Debian's docker-registry on 127.0.0.1 with filesystem storage in a temporary folder, for pull tests.
/// Stopped (and its folder removed) by `stop()`; a port taken by someone else is retried with another.
final class LocalRegistry: @unchecked Sendable {
    let directory: String
    let port: Int
    private let process: Process

    var address: String { "127.0.0.1:\(port)" }

    /// Pushes carry these credentials when the registry demands them.
    let credentials: String?

    /// `htpasswd` ("user:password") puts the registry behind Basic auth.
    init(htpasswd: String? = nil) throws {
        directory = "/tmp/berth-reg-\(UUID().uuidString.prefix(8))"
        credentials = htpasswd
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var auth = ""
        if let htpasswd {
            let parts = htpasswd.split(separator: ":", maxSplits: 1).map(String.init)
            let entry = try Command.run(URL(fileURLWithPath: "/usr/bin/htpasswd"), ["-Bbn", parts[0], parts.count > 1 ? parts[1] : ""])
            try entry.stdout.write(toFile: directory + "/htpasswd", atomically: true, encoding: .utf8)
            auth = "auth:\n  htpasswd:\n    realm: berth\n    path: \(directory)/htpasswd\n"
        }
        for _ in 0..<5 {
            let port = Int.random(in: 20000...45000)
            let config = """
                version: 0.1
                log:
                  level: error
                storage:
                  filesystem:
                    rootdirectory: \(directory)/data
                http:
                  addr: 127.0.0.1:\(port)

                """ + auth
            try config.write(toFile: directory + "/config.yml", atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
            process.arguments = ["serve", directory + "/config.yml"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(15)
            while process.isRunning && Date() < deadline {
                let probe = try? Command.run(
                    URL(fileURLWithPath: "/usr/bin/skopeo"),
                    ["inspect", "--tls-verify=false", "docker://127.0.0.1:\(port)/none/none:none"], timeout: 5)
                // Any answer from the registry (an unknown repository) means it is up.
                if let probe, ["manifest unknown", "name unknown", "not found", "authentication required", "unauthorized"]
                    .contains(where: probe.stderr.contains) {
                    self.port = port
                    self.process = process
                    return
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
        throw TestFailure("docker-registry did not start")
    }

    private var destinationCredentials: [String] { credentials.map { ["--dest-creds", $0] } ?? [] }

    /// Pushes an OCI layout's tag to `repository:tag` here with skopeo.
    func push(layout: String, tag: String, to repository: String) throws {
        let result = try Command.run(
            URL(fileURLWithPath: "/usr/bin/skopeo"),
            ["--insecure-policy", "copy", "-q", "--dest-tls-verify=false"] + destinationCredentials
                + ["oci:\(layout):\(tag)", "docker://\(address)/\(repository)"],
            timeout: 60)
        guard result.status == 0 else { throw TestFailure("skopeo push failed: \(result)") }
    }

    /// Pushes an OCI archive's image to `repository:tag` here with skopeo.
    func push(archive: String, to repository: String) throws {
        let result = try Command.run(
            URL(fileURLWithPath: "/usr/bin/skopeo"),
            ["--insecure-policy", "copy", "-q", "--dest-tls-verify=false"] + destinationCredentials
                + ["oci-archive:\(archive)", "docker://\(address)/\(repository)"],
            timeout: 60)
        guard result.status == 0 else { throw TestFailure("skopeo push failed: \(result)") }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
