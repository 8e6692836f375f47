import Foundation
import Logging

/// Structured logs on stderr, one logfmt line per entry (as containerd's logrus text output):
/// time=... level=info msg="..." key=value
public struct LogfmtLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let levels: LogLevelSwitch
    /// Set only by code that sets one logger's level; the daemon's level is the switch's.
    private var override: Logger.Level?

    public var logLevel: Logger.Level {
        get { override ?? levels.level }
        set { override = newValue }
    }

    public init(label: String, levels: LogLevelSwitch) {
        self.label = label
        self.levels = levels
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "time=\(Self.timestamp()) level=\(event.level.rawValue) msg=\(Self.quote(event.message.description))"
        var merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if let error = event.error { merged["error"] = "\(error)" }
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quote(merged[key]?.description ?? ""))"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().timeSeparator(.colon).time(includingFractionalSeconds: true))
    }

    private static func quote(_ value: String) -> String {
        let plain = !value.isEmpty && value.allSatisfy { $0.isLetter || $0.isNumber || "-_./:@".contains($0) }
        if plain { return value }
        var escaped = "\""
        for character in value {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped + "\""
    }
}
