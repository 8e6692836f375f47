import ArgumentParser
import BerthClient
import Foundation

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Display berthd's events as they happen.", aliases: ["event"])

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Filters, e.g. topic==\"/namespaces/create\" (any of them matches).") var filters: [String] = []

    func run() async throws {
        try await global.withClient { client in
            try await client.subscribe(filters: filters) { envelope in
                // ctr's line: timestamp, namespace, topic, then the event as JSON.
                let line = [
                    GoTime.format(envelope.timestamp.date), envelope.namespace, envelope.topic, envelope.eventJSON ?? "",
                ].joined(separator: " ")
                CommandOutput.write(line + "\n")
            }
        }
    }
}

/// Go's time.Time String() in UTC ("2006-01-02 15:04:05.999999999 +0000 UTC"), as ctr prints event times.
enum GoTime {
    static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        var nanos = Int(((date.timeIntervalSince1970 - seconds) * 1e9).rounded())
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var fraction = ""
        if nanos > 0 {
            nanos = min(nanos, 999_999_999)
            fraction = "." + pad(nanos, 9)
            while fraction.last == "0" { fraction.removeLast() }
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2)) "
            + "\(pad(parts.hour, 2)):\(pad(parts.minute, 2)):\(pad(parts.second, 2))\(fraction) +0000 UTC"
    }
}
