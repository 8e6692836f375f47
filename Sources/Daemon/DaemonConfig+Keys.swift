import BerthCore
import Logging
import Telemetry

/// One key of berthd's TOML file: where it lives, what it means, how it is read and how its value is written.
/// The list below serves loading, the unknown-key warnings, `berthd config default` and `berthd config dump`.
struct ConfigKey: Sendable {
    /// The table the key is in ([] for the top level), and its name.
    let table: [String]
    let name: String
    let help: String
    let read: @Sendable (ConfigFile, inout DaemonConfig) throws -> Void
    /// The value as TOML, or nil when unset; `example` is then written commented out.
    let value: @Sendable (DaemonConfig) -> String?
    var example: String = ""

    var path: [String] { table + [name] }
}

extension DaemonConfig {
    static let runtimeTable = ["plugins", "io.containerd.runtime.v2.task"]
    static let otlpTable = ["plugins", "io.containerd.tracing.processor.v1.otlp"]
    static let tracingTable = ["plugins", "io.containerd.internal.v1.tracing"]

    static let keys: [ConfigKey] = [
        ConfigKey(
            table: [], name: "version", help: "The config format: 2, as containerd 1.x.",
            read: { file, _ in
                if let version = try file.int("version"), version != 2 {
                    throw BerthError.invalidArgument("\(file.source): key version: unsupported version \(version) (expected 2)")
                }
            }, value: { _ in "2" }),
        ConfigKey(
            table: [], name: "root", help: "Persistent data: content, snapshots, the metadata database.",
            read: { file, config in if let root = try file.string("root") { config.root = root } },
            value: { TOMLText.string($0.root) }),
        ConfigKey(
            table: [], name: "state", help: "Runtime state: task bundles, shim sockets.",
            read: { file, config in if let state = try file.string("state") { config.state = state } },
            value: { TOMLText.string($0.state) }),
        ConfigKey(
            table: ["grpc"], name: "address", help: "The unix socket serving containerd's gRPC API.",
            read: { file, config in if let address = try file.string("grpc", "address") { config.address = address } },
            value: { TOMLText.string($0.address) }),
        ConfigKey(
            table: ["grpc"], name: "uid", help: "Owner of the socket (default: berthd's user).",
            read: { file, config in if let uid = try file.int("grpc", "uid") { config.socketUID = try file.id(uid, "grpc.uid") } },
            value: { $0.socketUID.map(String.init) }, example: "0"),
        ConfigKey(
            table: ["grpc"], name: "gid", help: "Group of the socket, which may use it (default: berthd's group).",
            read: { file, config in if let gid = try file.int("grpc", "gid") { config.socketGID = try file.id(gid, "grpc.gid") } },
            value: { $0.socketGID.map(String.init) }, example: "0"),
        ConfigKey(
            table: ["grpc"], name: "event_loops",
            help: "Threads serving the API and shims (Berth's own key; one keeps a request and its shim calls on one thread).",
            read: { file, config in
                if let loops = try file.int("grpc", "event_loops") {
                    guard (1...64).contains(loops) else {
                        throw BerthError.invalidArgument("\(file.source): key grpc.event_loops: \(loops) is not between 1 and 64")
                    }
                    config.eventLoops = loops
                }
            }, value: { String($0.eventLoops) }),
        ConfigKey(
            table: ["ttrpc"], name: "address", help: "The ttrpc socket where shims send events (default: the gRPC address + \".ttrpc\").",
            read: { file, config in
                if let ttrpc = try file.string("ttrpc", "address") { config.ttrpcAddressSetting = ttrpc.isEmpty ? nil : ttrpc }
            },
            value: { $0.ttrpcAddressSetting.map(TOMLText.string) }, example: TOMLText.string("/run/berth/berth.sock.ttrpc")),
        ConfigKey(
            table: ["debug"], name: "level", help: "Log level: trace, debug, info, notice, warning, error, critical.",
            read: { file, config in
                if let level = try file.string("debug", "level") {
                    config.logLevel = try parseLogLevel(level, source: "\(file.source): key debug.level")
                }
            }, value: { TOMLText.string($0.logLevel.rawValue) }),
        ConfigKey(
            table: ["debug"], name: "format", help: "Log format on stderr: text (logfmt, as containerd) or json.",
            read: { file, config in
                if let format = try file.string("debug", "format") {
                    config.logFormat = try LogFormat.parse(format, source: "\(file.source): key debug.format")
                }
            }, value: { TOMLText.string($0.logFormat.rawValue) }),
        ConfigKey(
            table: ["metrics"], name: "address",
            help: "host:port serving Prometheus metrics at /v1/metrics (default: off).",
            read: { file, config in
                if let address = try file.string("metrics", "address") {
                    let port = address.split(separator: ":").last.flatMap { Int($0) }
                    guard address.isEmpty || (address.contains(":") && port.map { (0...65535).contains($0) } == true) else {
                        throw BerthError.invalidArgument("\(file.source): key metrics.address: \"\(address)\" is not host:port")
                    }
                    config.metricsAddress = address.isEmpty ? nil : address
                }
            }, value: { $0.metricsAddress.map(TOMLText.string) }, example: TOMLText.string("127.0.0.1:1338")),
        ConfigKey(
            table: runtimeTable, name: "default_runtime_name",
            help: "The runtime of containers created without one (io.containerd.berth.v1 is Berth's own shim).",
            read: { file, config in
                if let runtime = try file.string("plugins", "io.containerd.runtime.v2.task", "default_runtime_name") {
                    guard !runtime.isEmpty else {
                        throw BerthError.invalidArgument(
                            "\(file.source): key \(ConfigFile.display(runtimeTable + ["default_runtime_name"])): must not be empty")
                    }
                    config.defaultRuntime = runtime
                }
            }, value: { TOMLText.string($0.defaultRuntime) }),
        ConfigKey(
            table: otlpTable, name: "endpoint",
            help: "The OpenTelemetry collector that receives traces of requests, pulls and tasks (default: none).",
            read: { file, config in
                if let endpoint = try file.string(otlpTable + ["endpoint"]) {
                    config.tracingEndpoint = endpoint.isEmpty ? nil : endpoint
                }
            }, value: { $0.tracingEndpoint.map(TOMLText.string) }, example: TOMLText.string("http://127.0.0.1:4318")),
        ConfigKey(
            table: otlpTable, name: "protocol", help: "How traces are sent: http/protobuf, http/json or grpc.",
            read: { file, config in
                if let name = try file.string(otlpTable + ["protocol"]) {
                    guard TracingSettings.protocols.contains(name) else {
                        throw BerthError.invalidArgument(
                            "\(file.source): key \(ConfigFile.display(otlpTable + ["protocol"])): \"\(name)\" is not one of "
                                + TracingSettings.protocols.joined(separator: ", "))
                    }
                    config.tracingProtocol = name
                }
            }, value: { TOMLText.string($0.tracingProtocol) }),
        ConfigKey(
            table: tracingTable, name: "sampling_ratio", help: "The share of traces kept, from 0 to 1.",
            read: { file, config in
                if let ratio = try file.double(tracingTable + ["sampling_ratio"]) {
                    guard (0...1).contains(ratio) else {
                        throw BerthError.invalidArgument(
                            "\(file.source): key \(ConfigFile.display(tracingTable + ["sampling_ratio"])): \(ratio) is not between 0 and 1")
                    }
                    config.tracingSamplingRatio = ratio
                }
            }, value: { "\($0.tracingSamplingRatio)" }),
        ConfigKey(
            table: tracingTable, name: "service_name", help: "The service name traces carry.",
            read: { file, config in
                if let name = try file.string(tracingTable + ["service_name"]) { config.tracingServiceName = name }
            }, value: { TOMLText.string($0.tracingServiceName) }),
    ]

    static func isKnownKey(_ path: [String]) -> Bool { keys.contains { $0.path == path } }
    static func isKnownTable(_ path: [String]) -> Bool {
        keys.contains { $0.table.count >= path.count && Array($0.table.prefix(path.count)) == path }
    }
}

/// TOML literals, written the way berthd's config reads them back.
enum TOMLText {
    static func string(_ value: String) -> String {
        var escaped = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                escaped += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}
