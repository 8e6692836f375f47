import Foundation
import Logging

/// berthd's log lines on stderr, at the shared switch's level, in one of containerd's two formats:
/// logfmt (`time=... level=info msg="..." key=value`, logrus's text output) or JSON (logrus's field names).
public struct DaemonLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: LogFormat
    private let levels: LogLevelSwitch
    /// Set only by code that sets one logger's level; the daemon's level is the switch's.
    private var override: Logger.Level?

    public var logLevel: Logger.Level {
        get { override ?? levels.level }
        set { override = newValue }
    }

    public init(label: String, format: LogFormat, levels: LogLevelSwitch) {
        self.label = label
        self.format = format
        self.levels = levels
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata.merging(event.metadata ?? [:]) { _, new in new }.mapValues { $0.description }
        if let error = event.error { fields["error"] = "\(error)" }
        let time = Date().formatted(.iso8601.year().month().day().timeSeparator(.colon).time(includingFractionalSeconds: true))
        let line: Data?
        switch format {
        case .text:
            var text = "time=\(time) level=\(event.level.rawValue) msg=\(Self.logfmtQuote(event.message.description))"
            for key in fields.keys.sorted() { text += " \(key)=\(Self.logfmtQuote(fields[key] ?? ""))" }
            line = Data((text + "\n").utf8)
        case .json:
            fields["level"] = event.level.rawValue
            fields["msg"] = event.message.description
            fields["time"] = time
            line = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]))
                .map { $0 + [0x0A] }
        }
        if let line { FileHandle.standardError.write(line) }
    }

    private static func logfmtQuote(_ value: String) -> String {
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
