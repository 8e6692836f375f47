import Foundation

/// An HTTP server on 127.0.0.1 that keeps every POST body it receives, as an OTLP/HTTP collector would
/// (answering 200 with an empty protobuf response). Python's standard library; stopped by `stop()`.
final class CollectorSink: @unchecked Sendable {
    let directory: String
    private let server: LoopbackPythonServer

    var endpoint: String { "http://127.0.0.1:\(server.port)" }

    init() throws {
        directory = "/tmp/berth-collector-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            server = try LoopbackPythonServer(source: Self.source, arguments: [directory], name: "collector")
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
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
        server.stop()
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
