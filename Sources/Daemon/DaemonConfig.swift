import BerthCore
import Foundation
import Logging
import Telemetry
import TOML

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
    /// Threads of the event loops that serve the API, shims' events and berthd's connections to its shims.
    public var eventLoops = 1
    public var logLevel: Logger.Level = .info
    public var logFormat: LogFormat = .text
    /// host:port of the Prometheus endpoint; nil serves none.
    public var metricsAddress: String?
    /// The OTLP collector traces go to; nil exports none. The other three say how.
    public var tracingEndpoint: String?
    public var tracingProtocol = "http/protobuf"
    public var tracingSamplingRatio = 1.0
    public var tracingServiceName = "berthd"

    public var tracing: TracingSettings? {
        tracingEndpoint.map {
            TracingSettings(
                endpoint: $0, protocolName: tracingProtocol, samplingRatio: tracingSamplingRatio,
                serviceName: tracingServiceName)
        }
    }
    /// The runtime of containers created without one (containerd's CRI calls this `default_runtime_name`).
    public var defaultRuntime = "io.containerd.runc.v2"

    public init() {}

    /// Applies the TOML file's keys over these values, and returns warnings for keys berthd does not know.
    /// A missing file is fine only when `required` is false.
    @discardableResult
    public mutating func apply(fileAt path: String, required: Bool) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw BerthError.notFound("config file \(path)") }
            return []
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BerthError.invalidArgument("config file \(path): cannot read: \(error.localizedDescription)")
        }
        return try apply(toml: text, source: path)
    }

    /// Unknown keys are not errors (a containerd config file carries many that Berth has no use for), but each
    /// is reported, so that a misspelt key does not pass silently.
    @discardableResult
    public mutating func apply(toml text: String, source: String) throws -> [String] {
        let file: ConfigFile
        do {
            file = ConfigFile(try TOMLTable(parsing: text), source: "config file \(source)")
        } catch {
            throw BerthError.invalidArgument("config file \(source): \(error.description)")
        }
        for key in Self.keys { try key.read(file, &self) }
        return file.unknownKeys(isKnown: Self.isKnownKey, isKnownTable: Self.isKnownTable).map {
            "config file \(source): unknown key \(ConfigFile.display($0)) is ignored"
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
