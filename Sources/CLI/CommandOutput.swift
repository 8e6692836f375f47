import BerthCore
import Foundation
import GRPCCore

/// How the CLI prints: tables and errors in the shape ctr users know.
enum CommandOutput {
    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("berth: \(message)\n".utf8))
    }

    /// The server's message as is (containerd's "<detail>: <kind>"), or a clear word on connection trouble.
    static func describe(_ error: any Error, address: String, debug: Bool) -> String {
        if let rpc = error as? RPCError {
            if rpc.code == .unavailable, !FileManager.default.fileExists(atPath: address) {
                return "cannot connect to berthd at \(address): no such socket (is berthd running? set --address)"
            }
            if rpc.code == .unavailable {
                return "cannot connect to berthd at \(address): \(rpc.message)"
            }
            return debug ? "\(rpc.message) (code \(rpc.code))" : rpc.message
        }
        if let error = error as? BerthError { return error.message }
        return "\(error)"
    }

    /// A table laid out as Go's tabwriter lays out ctr's: every cell padded to its column's width.
    static func table(_ rows: [[String]], padding: Int = 1, minWidth: Int = 0) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: minWidth, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count + padding) }
        }
        return rows.map { row in
            var line = ""
            for (index, cell) in row.enumerated() {
                line += index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            return line.trimmingTrailingSpaces()
        }.joined(separator: "\n") + (rows.isEmpty ? "" : "\n")
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// "k=v" arguments as ctr reads them; a bare key has an empty value.
    static func labels(from arguments: [String]) -> [String: String] {
        var labels: [String: String] = [:]
        for argument in arguments {
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            labels[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return labels
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
