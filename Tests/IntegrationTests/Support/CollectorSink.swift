import Foundation

/// An HTTP server on 127.0.0.1 that keeps every POST body it receives, as an OTLP/HTTP collector would
/// (answering 200 with an empty protobuf response). Python's standard library; stopped by `stop()`.
final class CollectorSink: @unchecked Sendable {
    let port: Int
    let directory: String
    private let process: Process

    var endpoint: String { "http://127.0.0.1:\(port)" }

    init() throws {
        directory = "/tmp/berth-collector-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = directory + "/collector.py"
        let portFile = directory + "/port"
        try Self.source.write(toFile: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, directory, portFile]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        var port: Int?
        while port == nil && process.isRunning && Date() < deadline {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            if port == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            try? FileManager.default.removeItem(atPath: directory)
            throw TestFailure("collector did not start")
        }
        self.port = port
        self.process = process
    }

    /// The bodies POSTed to `path`, in arrival order.
    func bodies(path: String) -> [Data] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".body") }.sorted()
        return names.compactMap { name in
            let recordedPath = try? String(contentsOfFile: directory + "/" + name.replacingOccurrences(of: ".body", with: ".path"), encoding: .utf8)
            return recordedPath == path ? FileManager.default.contents(atPath: directory + "/" + name) : nil
        }
    }

    func stop() {
        if process.isRunning {
            // SIGKILL: Python keeps a SIGTERM the test runner ignores.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static let source = """
        import http.server, os, sys, threading
        directory, port_file = sys.argv[1], sys.argv[2]
        lock = threading.Lock()
        count = [0]

        class Collector(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    count[0] += 1
                    name = os.path.join(directory, "%06d" % count[0])
                with open(name + ".path", "w") as f: f.write(self.path)
                with open(name + ".body", "wb") as f: f.write(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
        with open(port_file + ".tmp", "w") as f: f.write(str(server.server_address[1]))
        os.rename(port_file + ".tmp", port_file)
        server.serve_forever()
        """
}
