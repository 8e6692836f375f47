import Foundation
import Logging

/// One JSON object per line on stderr, with logrus's field names (as containerd's `--log-format json`):
/// {"level":"info","msg":"...","time":"...", ...metadata}
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let levels: LogLevelSwitch
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
        var fields = metadata.merging(event.metadata ?? [:]) { _, new in new }.mapValues { $0.description }
        if let error = event.error { fields["error"] = "\(error)" }
        fields["level"] = event.level.rawValue
        fields["msg"] = event.message.description
        fields["time"] = LogfmtLogHandler.timestamp()
        guard var line = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        line.append(0x0A)
        FileHandle.standardError.write(line)
    }
}
