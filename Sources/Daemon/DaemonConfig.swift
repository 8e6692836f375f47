import BerthCore
import Foundation
import Logging
import TOMLKit

/// berthd's configuration: embedded defaults, then the TOML file, then command-line flags.
/// The file uses containerd's key names where they exist, so an operator's habits carry over.
public struct DaemonConfig: Sendable, Equatable {
    public static let defaultConfigPath = "/etc/berth/config.toml"

    public var root = "/var/lib/berth"
    public var state = "/run/berth"
    public var address = "/run/berth/berth.sock"
    /// The ttrpc socket where shims forward events; containerd's default is the gRPC address + ".ttrpc".
    public var ttrpcAddressSetting: String?
    public var ttrpcAddress: String { ttrpcAddressSetting ?? address + ".ttrpc" }
    /// Owner and group of the socket; nil keeps the daemon's own.
    public var socketUID: UInt32?
    public var socketGID: UInt32?
    public var logLevel: Logger.Level = .info
    /// The runtime of containers created without one (containerd's CRI calls this `default_runtime_name`).
    public var defaultRuntime = "io.containerd.runc.v2"

    public init() {}

    /// Applies the TOML file's keys over these values. A missing file is fine only when `required` is false.
    public mutating func apply(fileAt path: String, required: Bool) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw BerthError.notFound("config file \(path)") }
            return
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BerthError.invalidArgument("config file \(path): cannot read: \(error.localizedDescription)")
        }
        try apply(toml: text, source: path)
    }

    public mutating func apply(toml text: String, source: String) throws {
        let file: ConfigFile
        do {
            file = ConfigFile(try TOMLTable(string: text), source: "config file \(source)")
        } catch let error as TOMLParseError {
            throw BerthError.invalidArgument(
                "config file \(source): line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        }
        if let version = try file.int("version"), version != 2 {
            throw BerthError.invalidArgument("config file \(source): unsupported version \(version) (expected 2)")
        }
        if let root = try file.string("root") { self.root = root }
        if let state = try file.string("state") { self.state = state }
        if let address = try file.string("grpc", "address") { self.address = address }
        if let ttrpc = try file.string("ttrpc", "address"), !ttrpc.isEmpty { ttrpcAddressSetting = ttrpc }
        if let uid = try file.int("grpc", "uid") { socketUID = try file.id(uid, "grpc.uid") }
        if let gid = try file.int("grpc", "gid") { socketGID = try file.id(gid, "grpc.gid") }
        if let runtime = try file.string("plugins", "io.containerd.runtime.v2.task", "default_runtime_name") {
            guard !runtime.isEmpty else {
                throw BerthError.invalidArgument(
                    "config file \(source): key plugins.\"io.containerd.runtime.v2.task\".default_runtime_name: must not be empty")
            }
            defaultRuntime = runtime
        }
        if let level = try file.string("debug", "level") {
            logLevel = try Self.parseLogLevel(level, source: "config file \(source)")
        }
    }

    public static func parseLogLevel(_ text: String, source: String) throws -> Logger.Level {
        let aliases: [String: Logger.Level] = ["warn": .warning, "fatal": .critical, "panic": .critical]
        if let level = Logger.Level(rawValue: text.lowercased()) ?? aliases[text.lowercased()] { return level }
        throw BerthError.invalidArgument(
            "\(source): unknown log level \"\(text)\" (trace, debug, info, notice, warning, error, critical)")
    }

    /// Checks that the paths are usable before anything is created.
    public func validate() throws {
        for (name, path) in [("root", root), ("state", state), ("address", address), ("ttrpc address", ttrpcAddress)] {
            guard path.hasPrefix("/") else {
                throw BerthError.invalidArgument("\(name) must be an absolute path, got \"\(path)\"")
            }
        }
        // sun_path holds 108 bytes including the terminating NUL.
        for socket in [address, ttrpcAddress] where socket.utf8.count > 107 {
            throw BerthError.invalidArgument("address \"\(socket)\" is longer than a unix socket path may be (107 bytes)")
        }
    }
}
