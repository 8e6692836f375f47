import BerthCore
import Foundation

/// Where to find a registry's endpoints, from containerd's hosts directory layout:
/// `<dir>/<host>/hosts.toml` (or `<host>_<port>_`), falling back to `<dir>/_default/hosts.toml`.
/// Without any configuration, docker.io is `https://registry-1.docker.io`, localhost and loopback
/// addresses are plain HTTP, and every other registry is HTTPS on its own name.
public struct RegistryHosts: Sendable {
    public static let defaultConfigDirectory = "/etc/berth/certs.d"

    /// The hosts directory; nil reads no files.
    public var configDirectory: String?
    /// ctr's `--plain-http`: the registry itself (not configured mirrors) is spoken to over HTTP.
    public var plainHTTP: Bool
    /// ctr's `--skip-verify`: certificates are not verified unless a host sets `skip_verify = false`.
    public var skipVerify: Bool

    public init(configDirectory: String? = RegistryHosts.defaultConfigDirectory, plainHTTP: Bool = false, skipVerify: Bool = false) {
        self.configDirectory = configDirectory
        self.plainHTTP = plainHTTP
        self.skipVerify = skipVerify
    }

    /// The endpoints for the registry `domain` (a reference's domain, `host[:port]`), in the order to try them.
    public func hosts(for domain: String) throws -> [RegistryHost] {
        var file = HostsFile(entries: [HostsFile.Entry()])
        if let directory = try hostDirectory(for: domain) {
            let path = directory + "/hosts.toml"
            if FileManager.default.fileExists(atPath: path) {
                let data: Data
                do {
                    data = try Data(contentsOf: URL(fileURLWithPath: path))
                } catch {
                    throw BerthError.unavailable("cannot read \(path): \(error.localizedDescription)")
                }
                file = try HostsFile(parsing: String(decoding: data, as: UTF8.self), directory: directory, file: path)
            } else {
                file = try HostsFile.certificateFiles(in: directory)
            }
        }
        var entries = file.entries
        if let last = entries.indices.last, entries[last].host.isEmpty {
            entries[last] = defaultEntry(for: domain, base: entries[last])
        }
        return entries.map { entry in
            RegistryHost(
                scheme: entry.scheme, host: entry.host, path: entry.path, capabilities: entry.capabilities,
                tls: TLSSettings(
                    caFiles: entry.caFiles ?? [], clientCertificates: entry.clientCertificates ?? [],
                    skipVerify: entry.skipVerify ?? skipVerify),
                headers: entry.headers)
        }
    }

    /// containerd's hostPaths: `host_port_`, then `host:port`, then `_default`.
    func hostDirectory(for domain: String) throws -> String? {
        guard let root = configDirectory else { return nil }
        var candidates: [String] = []
        if let colon = domain.lastIndex(of: ":"), colon != domain.startIndex {
            candidates.append(root + "/" + domain[..<colon] + "_" + domain[domain.index(after: colon)...] + "_")
        }
        candidates += [root + "/" + domain, root + "/_default"]
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
        }
        return nil
    }

    private func defaultEntry(for domain: String, base: HostsFile.Entry) -> HostsFile.Entry {
        var entry = base
        entry.path = "/v2"
        entry.capabilities = .all
        if domain == Reference.dockerHubDomain {
            entry.scheme = "https"
            entry.host = "registry-1.docker.io"
        } else if Self.isLocalhost(domain) {
            // containerd 1.6 speaks plain HTTP to local registries unless told otherwise.
            entry.host = domain
            entry.scheme = "http"
        } else {
            entry.host = domain
            entry.scheme = plainHTTP ? "http" : "https"
        }
        return entry
    }

    /// `localhost` or a loopback address, with or without a port.
    static func isLocalhost(_ domain: String) -> Bool {
        var host = domain
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon {
            host = String(host[..<colon])
        }
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".")
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
