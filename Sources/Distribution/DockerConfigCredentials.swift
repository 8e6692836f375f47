import BerthCore
import Foundation

/// Credentials from a Docker client `config.json` (`auths` entries with a base64 `auth` or a
/// `username`/`password`). Credential helpers (`credsStore`, `credHelpers`) are not run.
public struct DockerConfigCredentials: Sendable {
    /// Host (normalized: no scheme, no path) to credential.
    public let credentials: [String: Credential]

    public init(credentials: [String: Credential]) {
        self.credentials = credentials
    }

    /// Parses a config.json document.
    public init(json: Data, source: String = "config.json") throws {
        struct File: Decodable {
            struct Auth: Decodable {
                var auth: String?
                var username: String?
                var password: String?
            }
            var auths: [String: Auth]?
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: json)
        } catch {
            throw BerthError.invalidArgument("\(source): not a Docker config file: \(error)")
        }
        var credentials: [String: Credential] = [:]
        for (key, entry) in file.auths ?? [:] {
            var credential: Credential?
            if let encoded = entry.auth, !encoded.isEmpty {
                guard let decoded = Data(base64Encoded: encoded).map({ String(decoding: $0, as: UTF8.self) }),
                      let colon = decoded.firstIndex(of: ":")
                else {
                    throw BerthError.invalidArgument("\(source): auth for \(key) is not base64 \"user:password\"")
                }
                credential = Credential(
                    username: String(decoded[..<colon]), secret: String(decoded[decoded.index(after: colon)...]))
            } else if let username = entry.username, let password = entry.password {
                credential = Credential(username: username, secret: password)
            }
            if let credential { credentials[Self.normalize(key)] = credential }
        }
        self.credentials = credentials
    }

    /// Reads `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`; no file means no credentials.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DockerConfigCredentials {
        let directory = environment["DOCKER_CONFIG"]
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.docker")
        let path = directory + "/config.json"
        guard FileManager.default.fileExists(atPath: path) else { return DockerConfigCredentials(credentials: [:]) }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw BerthError.unavailable("cannot read \(path): \(error.localizedDescription)")
        }
        return try DockerConfigCredentials(json: data, source: path)
    }

    /// The credential for `host`; Docker Hub's hosts all share the `https://index.docker.io/v1/` entry.
    public func credential(for host: String) -> Credential? {
        let key = Self.normalize(host)
        if let found = credentials[key] { return found }
        let hub: Set = ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]
        if hub.contains(key) {
            for alias in ["index.docker.io", "docker.io", "registry-1.docker.io"] {
                if let found = credentials[alias] { return found }
            }
        }
        return nil
    }

    /// This file as a provider for RegistryClient.
    public var provider: CredentialProvider {
        let copy = self
        return { host in copy.credential(for: host) }
    }

    /// `https://index.docker.io/v1/` → `index.docker.io`.
    static func normalize(_ key: String) -> String {
        var host = Substring(key)
        if let scheme = host.range(of: "://") { host = host[scheme.upperBound...] }
        if let slash = host.firstIndex(of: "/") { host = host[..<slash] }
        return host.lowercased()
    }
}
