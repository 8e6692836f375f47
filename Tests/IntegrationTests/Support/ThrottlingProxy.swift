import Foundation

/// A reverse proxy on 127.0.0.1 in front of a registry that sends blob bodies at `bytesPerSecond`, so a pull
/// lasts long enough for a test to interrupt it. Python's standard library; stopped (and its script
/// removed) by `stop()`.
final class ThrottlingProxy: @unchecked Sendable {
    private let server: LoopbackPythonServer

    var port: Int { server.port }
    var address: String { "127.0.0.1:\(port)" }

    init(upstream: String, bytesPerSecond: Int) throws {
        server = try LoopbackPythonServer(source: Self.source, arguments: [upstream, String(bytesPerSecond)], name: "proxy")
    }

    func stop() { server.stop() }

    private static let source = """
        import http.client, http.server, os, sys, time
        upstream, rate, port_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]

        class Proxy(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass
            def forward(self):
                connection = http.client.HTTPConnection(upstream, timeout=60)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("connection", "transfer-encoding"):
                        self.send_header(key, value)
                data = response.read()
                if "Content-Length" not in dict(response.getheaders()):
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command == "HEAD":
                    return
                slow = "/blobs/" in self.path
                for start in range(0, len(data), 16384):
                    self.wfile.write(data[start:start + 16384])
                    if slow:
                        self.wfile.flush()
                        time.sleep(16384 / rate)
            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = forward

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        with open(port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(port_file + ".tmp", port_file)
        server.serve_forever()
        """
}
