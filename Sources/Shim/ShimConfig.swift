/// What the shim was started with: the flags of the runtime v2 start protocol and the environment.
public struct ShimConfig: Equatable {
    public enum Action: String {
        case serve = ""
        case start
        case delete
    }

    public var namespace = ""
    public var address = ""
    public var publishBinary = ""
    public var id = ""
    public var bundle = ""
    public var debug = false
    public var socket = ""
    public var action = Action.serve
    /// TTRPC_ADDRESS: the daemon's ttrpc socket for events.
    public var ttrpcAddress = ""

    public init() {}

    /// Parses Go's flag syntax as containerd passes it (`-name value`, `--name=value`, `-debug`), then one
    /// action word. Unknown flags are refused, as Go's flag package does.
    public static func parse(
        _ arguments: [String], environment: ((String) -> String?)? = nil
    ) throws(ShimError) -> ShimConfig {
        var config = ShimConfig()
        config.ttrpcAddress = (environment ?? Sys.environment)("TTRPC_ADDRESS") ?? ""
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("-"), argument != "-", argument != "--" else { break }
            var name = String(argument.drop { $0 == "-" })
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            index += 1
            if name == "debug" || name == "v" {
                config.debug = value.map { $0 == "true" || $0 == "1" } ?? true
                continue
            }
            if value == nil {
                guard index < arguments.count else { throw ShimError(.invalidArgument, "flag needs an argument: -\(name)") }
                value = arguments[index]
                index += 1
            }
            let text = value ?? ""
            switch name {
            case "namespace": config.namespace = text
            case "address": config.address = text
            case "publish-binary": config.publishBinary = text
            case "id": config.id = text
            case "bundle": config.bundle = text
            case "socket": config.socket = text
            default: throw ShimError(.invalidArgument, "flag provided but not defined: -\(name)")
            }
        }
        if index < arguments.count {
            guard let action = Action(rawValue: arguments[index]), action != .serve else {
                throw ShimError(.invalidArgument, "invalid action \(arguments[index])")
            }
            config.action = action
        }
        guard !config.namespace.isEmpty else { throw ShimError(.invalidArgument, "shim namespace cannot be empty") }
        return config
    }

    /// The flags again, for the server process `start` spawns (no action word: it serves).
    var serveArguments: [String] {
        var arguments = ["-namespace", namespace, "-id", id, "-address", address]
        if !publishBinary.isEmpty { arguments += ["-publish-binary", publishBinary] }
        if !socket.isEmpty { arguments += ["-socket", socket] }
        if debug { arguments.append("-debug") }
        return arguments
    }
}
