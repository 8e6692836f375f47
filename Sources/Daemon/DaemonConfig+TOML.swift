import BerthCore

extension DaemonConfig {
    /// The configuration as a commented TOML file that loads back to these values: `berthd config default`
    /// prints the embedded defaults, `berthd config dump` the effective configuration.
    public func toml() -> String {
        var text = "# berthd's configuration. Key names follow containerd's (version 2) where containerd has the key.\n"
        var table: [String] = []
        for key in Self.keys {
            if key.table != table {
                text += "\n[\(ConfigFile.display(key.table))]\n"
                table = key.table
            }
            let indent = table.isEmpty ? "" : "  "
            if table.isEmpty { text += "\n" }
            text += "\(indent)# \(key.help)\n"
            if let value = key.value(self) {
                text += "\(indent)\(ConfigFile.display([key.name])) = \(value)\n"
            } else {
                text += "\(indent)# \(ConfigFile.display([key.name])) = \(key.example)\n"
            }
        }
        return text
    }
}

/// berthd's log output on stderr.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json

    public static func parse(_ text: String, source: String) throws -> LogFormat {
        guard let format = LogFormat(rawValue: text.lowercased()) else {
            throw BerthError.invalidArgument("\(source): unknown log format \"\(text)\" (text, json)")
        }
        return format
    }
}
