import BerthCore
import Foundation
import TOML

/// containerd's `hosts.toml` for one registry: `[host."..."]` mirrors in file order, then `server`.
///
///     server = "https://registry.example.com"
///     [host."https://mirror.example.com"]
///       capabilities = ["pull", "resolve"]
///       ca = "mirror-ca.pem"            # or a list; relative to the file's directory
///       client = [["client.cert", "client.key"]]
///       skip_verify = false
///       override_path = true
///       [host."https://mirror.example.com".header]
///         x-custom = "1"
struct HostsFile {
    /// One endpoint; `host` is empty for the default (server-less) entry.
    struct Entry: Equatable {
        var scheme = "https"
        var host = ""
        var path = "/v2"
        var capabilities: HostCapabilities = .all
        var caFiles: [String]?
        var clientCertificates: [TLSSettings.ClientCertificate]?
        var skipVerify: Bool?
        var headers: [String: [String]] = [:]
    }

    /// Mirrors first, in the order the file lists them, and last the server (or an empty default).
    var entries: [Entry]

    init(entries: [Entry]) {
        self.entries = entries
    }

    /// Parses `text`; relative certificate paths are resolved against `directory`.
    init(parsing text: String, directory: String, file: String = "hosts.toml") throws {
        let table: TOMLTable
        do {
            table = try TOMLTable(parsing: text)
        } catch {
            throw BerthError.invalidArgument("\(file): \(error.description)")
        }
        var entries: [Entry] = []
        if let hostsValue = table["host"] {
            guard let hosts = hostsValue.table else {
                throw BerthError.invalidArgument("\(file): \"host\" must be a table of hosts")
            }
            // In file order: mirrors are tried as they are listed.
            for key in hosts.keys {
                guard let config = hosts[key]?.table else {
                    throw BerthError.invalidArgument("\(file): host \"\(key)\" must be a table")
                }
                entries.append(try Self.entry(server: key, config: config, directory: directory, file: file))
            }
        }
        let server = try table["server"].map { value -> String in
            guard let server = value.string else { throw BerthError.invalidArgument("\(file): \"server\" must be a string") }
            return server
        }
        entries.append(try Self.entry(server: server ?? "", config: table, directory: directory, file: file))
        self.entries = entries
    }

    /// Without a hosts.toml containerd takes `*.crt` as CAs and `*.cert`/`*.key` as client pairs.
    static func certificateFiles(in directory: String) throws -> HostsFile {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var entry = Entry()
        for name in names.sorted() {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            if name.hasSuffix(".crt") { entry.caFiles = (entry.caFiles ?? []) + [path] }
            if name.hasSuffix(".cert") {
                let key = directory + "/" + name.dropLast(5) + ".key"
                let pair = TLSSettings.ClientCertificate(
                    certificatePath: path, keyPath: FileManager.default.fileExists(atPath: key) ? key : nil)
                entry.clientCertificates = (entry.clientCertificates ?? []) + [pair]
            }
        }
        return HostsFile(entries: [entry])
    }

    private static func entry(server: String, config: TOMLTable, directory: String, file: String) throws -> Entry {
        func invalid(_ reason: String) -> BerthError {
            BerthError.invalidArgument("\(file): \(server.isEmpty ? "server" : "host \"\(server)\""): \(reason)")
        }
        var entry = Entry()
        let overridePath = try config["override_path"].map { value -> Bool in
            guard let flag = value.bool else { throw invalid("override_path must be a boolean") }
            return flag
        } ?? false
        if !server.isEmpty {
            let url = server.hasPrefix("http") ? server : "https://" + server
            guard let components = URLComponents(string: url), let scheme = components.scheme,
                  scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
            else {
                throw invalid("not a valid registry URL")
            }
            entry.scheme = scheme
            entry.host = components.port.map { "\(host):\($0)" } ?? host
            var path = Self.cleanPath(components.path)
            if path.isEmpty || path == "/" {
                path = overridePath ? "" : "/v2"
            } else if !path.hasSuffix("/v2"), !overridePath {
                path += "/v2"
            }
            entry.path = path
        }
        if let value = config["skip_verify"] {
            guard let flag = value.bool else { throw invalid("skip_verify must be a boolean") }
            entry.skipVerify = flag
        }
        if let value = config["capabilities"] {
            guard let list = value.array else { throw invalid("capabilities must be a list") }
            var capabilities: HostCapabilities = []
            for item in list {
                switch item.string?.lowercased() {
                case "pull": capabilities.insert(.pull)
                case "resolve": capabilities.insert(.resolve)
                case "push": capabilities.insert(.push)
                default: throw invalid("unknown capability \(item.string ?? "\(item)")")
                }
            }
            entry.capabilities = list.isEmpty ? .all : capabilities
        }
        if let value = config["ca"] {
            if let single = value.string {
                entry.caFiles = [absolute(single, directory)]
            } else if let list = value.array {
                entry.caFiles = try list.map { item in
                    guard let path = item.string else { throw invalid("ca must be a path or a list of paths") }
                    return absolute(path, directory)
                }
            } else {
                throw invalid("ca must be a path or a list of paths")
            }
        }
        if let value = config["client"] {
            entry.clientCertificates = try clientCertificates(value, directory: directory, invalid: invalid)
        }
        if let value = config["header"] {
            guard let headers = value.table else { throw invalid("header must be a table") }
            for key in headers.keys {
                if let single = headers[key]?.string {
                    entry.headers[key] = [single]
                } else if let list = headers[key]?.array {
                    entry.headers[key] = try list.map { item in
                        guard let text = item.string else { throw invalid("header \(key) must be strings") }
                        return text
                    }
                } else {
                    throw invalid("header \(key) must be a string or a list of strings")
                }
            }
        }
        return entry
    }

    /// `client` is a path, a list of paths, or a list of [cert, key] pairs.
    private static func clientCertificates(
        _ value: TOMLValue, directory: String, invalid: (String) -> BerthError
    ) throws -> [TLSSettings.ClientCertificate] {
        if let single = value.string {
            return [.init(certificatePath: absolute(single, directory))]
        }
        guard let list = value.array else { throw invalid("client must be a path or a list") }
        return try list.map { item in
            if let path = item.string { return .init(certificatePath: absolute(path, directory)) }
            guard let pair = item.array, pair.count == 2, let cert = pair[0].string, let key = pair[1].string else {
                throw invalid("client pairs must be [certificate, key]")
            }
            return .init(certificatePath: absolute(cert, directory), keyPath: absolute(key, directory))
        }
    }

    private static func absolute(_ path: String, _ directory: String) -> String {
        path.hasPrefix("/") ? path : directory + "/" + path
    }

    private static func cleanPath(_ path: String) -> String {
        let parts = path.split(separator: "/").filter { $0 != "." }
        return parts.isEmpty ? "" : "/" + parts.joined(separator: "/")
    }
}
