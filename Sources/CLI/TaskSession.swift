import BerthAPI
import BerthClient
import BerthCore
import Foundation

/// Runs a container's task the way `ctr run` and `ctr t start` do: fifos for its streams, wait, start, then
/// (in the foreground) copy its output, forward signals or terminal size, and delete it when it exits.
struct TaskSession {
    /// A `--log-uri` value as the shim wants it: a bare absolute path means a file.
    static func logURI(_ text: String?) throws -> String? {
        guard let text else { return nil }
        if text.hasPrefix("/") { return "file://" + text }
        guard text.hasPrefix("file:///") || text.hasPrefix("binary:///") else {
            throw BerthError.invalidArgument("--log-uri must be file:///path, binary:///path or an absolute path, got \"\(text)\"")
        }
        return text
    }

    let client: BerthClient
    let containerID: String
    var terminal = false
    var detach = false
    var nullIO = false
    /// ctr's `--log-uri`: `file:///path` or `binary:///path?args`, handled by the shim; no fifos then.
    var logURI: String?

    /// The exit status in the foreground, nil when detached.
    func run(rootfs: [Containerd_Types_Mount]) async throws -> UInt32? {
        let logged = logURI.map { uri in ProcessIO(stdout: uri, stderr: uri) }
        let streams = nullIO || logged != nil ? nil : try ProcessStreams(id: containerID, stdin: !detach, terminal: terminal)
        do {
            try await client.createTask(
                containerID: containerID, rootfs: rootfs, io: logged ?? streams?.io ?? ProcessIO(terminal: terminal))
        } catch {
            streams?.remove()
            throw error
        }
        if detach {
            // The shim holds the fifos open; they go when the task is deleted.
            try await client.startTask(containerID)
            return nil
        }
        let raw = terminal ? RawTerminal() : nil
        defer { raw?.restore() }
        let id = containerID
        let client = client
        streams?.attachOutput()
        return try await withThrowingTaskGroup(of: UInt32.self) { group in
            group.addTask { try await client.waitTask(id).status }
            do {
                try await client.startTask(id)
            } catch {
                group.cancelAll()
                _ = try? await client.deleteTask(id)
                streams?.remove()
                throw error
            }
            streams?.attachInput(stdinClosed: { Task { try? await client.closeStdin(id) } })
            let sources = terminal ? watchResize() : forwardSignals()
            defer { sources.forEach { $0.cancel() } }
            guard let status = try await group.next() else { return 0 }
            await streams?.finish()
            try await client.deleteTask(id)
            return status
        }
    }

    private func forwardSignals() -> [any DispatchSourceSignal] {
        Signals.forwarded.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            let client = client
            let id = containerID
            source.setEventHandler { Task { try? await client.killTask(id, signal: number) } }
            source.resume()
            return source
        }
    }

    private func watchResize() -> [any DispatchSourceSignal] {
        let client = client
        let id = containerID
        let resize: @Sendable () -> Void = {
            guard let size = RawTerminal.size() else { return }
            Task { try? await client.resizePty(id, width: size.width, height: size.height) }
        }
        resize()
        signal(SIGWINCH, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global())
        source.setEventHandler(handler: resize)
        source.resume()
        return [source]
    }
}
