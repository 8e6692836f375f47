import BerthCore
import Distribution
import Foundation

/// ctr's pull display: one line per descriptor (ref key, status, a bar), then elapsed time and the total.
/// On a terminal the block is redrawn in place; otherwise a line is printed whenever a ref's status changes.
final class PullProgress: @unchecked Sendable {
    private struct Line {
        var status: String
        var offset: Int64
        var total: Int64
    }

    private let interactive = isatty(STDOUT_FILENO) == 1
    private let started = Date()
    private let lock = NSLock()
    private var order: [String] = []
    private var lines: [String: Line] = [:]
    private var drawnLines = 0

    func consume(_ updates: AsyncStream<TransferProgress>) async {
        var lastDraw = Date.distantPast
        for await update in updates {
            let changed = apply(update)
            if interactive {
                if Date().timeIntervalSince(lastDraw) > 0.1 {
                    draw()
                    lastDraw = Date()
                }
            } else if changed, let line = lock.withLock({ lines[update.ref] }), line.status != "downloading" {
                print("\(update.ref): \(line.status)")
            }
        }
        if interactive { draw() }
    }

    /// Records an update; true when the ref's status word changed.
    private func apply(_ update: TransferProgress) -> Bool {
        lock.withLock {
            if lines[update.ref] == nil { order.append(update.ref) }
            let previous = lines[update.ref]
            let total = update.descriptor?.size ?? previous?.total ?? 0
            var line = Line(status: "", offset: previous?.offset ?? 0, total: total)
            switch update.status {
            case .resolving: line.status = "resolving"
            case .resolved: line.status = "resolved"
            case .waiting: line.status = "waiting"
            case .downloading(let offset, let total):
                line.status = "downloading"
                line.offset = offset
                line.total = total
            case .uploading(let offset, let total):
                line.status = "uploading"
                line.offset = offset
                line.total = total
            case .done:
                line.status = "done"
                line.offset = line.total
            case .exists:
                line.status = "exists"
                line.offset = line.total
            case .mounted(let from):
                line.status = "mounted from \(from)"
                line.offset = line.total
            }
            lines[update.ref] = line
            return previous?.status != line.status
        }
    }

    private func draw() {
        let text = lock.withLock { () -> String in
            let width = order.map(\.count).max() ?? 0
            var out = drawnLines > 0 ? "\u{1B}[\(drawnLines)A" : ""
            for ref in order {
                guard let line = lines[ref] else { continue }
                out += "\u{1B}[2K" + (ref + ":").padding(toLength: width + 2, withPad: " ", startingAt: 0)
                out += line.status.padding(toLength: 13, withPad: " ", startingAt: 0)
                out += Self.bar(line.offset, line.total)
                if line.total > 0 { out += " \(Units.humanSize(line.offset))/\(Units.humanSize(line.total))" }
                out += "\n"
            }
            drawnLines = order.count
            return out
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Runs a transfer that reports to the continuation it is given, drawing the updates (unless `progress` is
    /// nil) until it ends. Errors take containerd's "<detail>: <kind>" shape, so a missing tag reads "...: not found".
    static func drawing<T>(
        _ progress: PullProgress?, _ transfer: (AsyncStream<TransferProgress>.Continuation) async throws -> T
    ) async throws -> T {
        let (updates, continuation) = AsyncStream.makeStream(of: TransferProgress.self)
        let drawing = Task { await progress?.consume(updates) }
        defer { drawing.cancel() }
        do {
            let result = try await transfer(continuation)
            continuation.finish()
            await drawing.value
            return result
        } catch let error as BerthError {
            continuation.finish()
            await drawing.value
            throw BerthError(error.kind, error.kind == .unknown ? error.message : "\(error.message): \(error.kind.rawValue)")
        }
    }

    /// The summary line ctr prints at the end.
    func finish(bytes: Int64) {
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(bytes) / elapsed : 0
        print(String(format: "elapsed: %.1f s", elapsed) + "  total: \(Units.humanSize(bytes)) (\(Units.humanSize(Int64(rate)))/s)")
    }

    static func bar(_ offset: Int64, _ total: Int64, width: Int = 40) -> String {
        let filled = total > 0 ? min(width, Int(Double(offset) / Double(total) * Double(width))) : (offset > 0 ? width : 0)
        return "|" + String(repeating: "+", count: filled) + String(repeating: "-", count: width - filled) + "|"
    }
}
