import APISupport
import BerthAPI
import BerthCore
import Events
import Foundation
import Logging
import SwiftProtobuf

/// What a task is created from: the container's spec and runtime, the rootfs mounts and the IO paths.
public struct TaskCreation: Sendable {
    public var namespace: String
    public var id: String
    public var runtime: String
    public var spec: Data
    public var rootfs: [Containerd_Types_Mount]
    public var stdin: String
    public var stdout: String
    public var stderr: String
    public var terminal: Bool
    public var checkpoint: String
    public var options: Google_Protobuf_Any?

    public init(
        namespace: String, id: String, runtime: String, spec: Data, rootfs: [Containerd_Types_Mount] = [],
        stdin: String = "", stdout: String = "", stderr: String = "", terminal: Bool = false, checkpoint: String = "",
        options: Google_Protobuf_Any? = nil
    ) {
        self.namespace = namespace
        self.id = id
        self.runtime = runtime
        self.spec = spec
        self.rootfs = rootfs
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.terminal = terminal
        self.checkpoint = checkpoint
        self.options = options
    }
}

/// The live tasks, one shim each (containerd's runtime v2 TaskManager). A shim whose connection drops while
/// its task is still listed is cleaned up with `<shim> delete`, and exit and delete events are published for it.
public actor TaskManager {
    private struct Key: Hashable {
        var namespace: String
        var id: String
    }

    private struct Entry {
        var task: ShimTask
        var log: ShimLog
    }

    private let config: RuntimeConfig
    private let launcher: ShimLauncher
    private let exchange: EventExchange
    private let logger: Logger
    private var tasks: [Key: Entry] = [:]
    private var reserved: Set<Key> = []

    public init(config: RuntimeConfig, exchange: EventExchange, logger: Logger) {
        self.config = config
        launcher = ShimLauncher(config: config, logger: logger)
        self.exchange = exchange
        self.logger = logger
    }

    /// Starts a shim for the task and creates the task in it; returns the task and its init pid.
    public func create(_ creation: TaskCreation) async throws -> (ShimTask, UInt32) {
        let key = Key(namespace: creation.namespace, id: creation.id)
        guard tasks[key] == nil, reserved.insert(key).inserted else {
            throw BerthError.alreadyExists("task \(creation.id)")
        }
        defer { reserved.remove(key) }
        let config = config
        let (binary, bundle) = try await offEventLoop { try await Self.prepare(creation, config: config) }
        CrashPoint.reach("task.create.before-shim")
        let task: ShimTask
        let log: ShimLog
        do {
            let launcher = launcher
            (task, log) = try await offEventLoop {
                try await launcher.start(
                    bundle: bundle, runtime: creation.runtime, binary: binary, spec: creation.spec, options: creation.options)
            }
        } catch {
            bundle.remove()
            throw error
        }
        CrashPoint.reach("task.create.before-create")
        do {
            let response = try await task.call(
                "Create",
                Containerd_Task_V2_CreateTaskRequest.with {
                    $0.id = creation.id
                    $0.bundle = bundle.path
                    $0.rootfs = creation.rootfs
                    $0.terminal = creation.terminal
                    $0.stdin = creation.stdin
                    $0.stdout = creation.stdout
                    $0.stderr = creation.stderr
                    $0.checkpoint = creation.checkpoint
                    if let options = creation.options { $0.options = options }
                }, as: Containerd_Task_V2_CreateTaskResponse.self)
            tasks[key] = Entry(task: task, log: log)
            watch(task)
            return (task, response.pid)
        } catch {
            // The shim is up but the task failed (bad spec, missing command): tear the shim down again.
            _ = try? await task.call("Delete", Containerd_Task_V2_DeleteRequest.with { $0.id = creation.id },
                                     as: Containerd_Task_V2_DeleteResponse.self, timeout: .seconds(5))
            await shutdown(task)
            await Self.release(bundle, log: log)
            throw BerthError(
                (error as? BerthError)?.kind ?? .unknown,
                "failed to create shim task: \((error as? BerthError)?.message ?? "\(error)")")
        }
    }

    public func task(namespace: String, id: String) throws -> ShimTask {
        guard let entry = tasks[Key(namespace: namespace, id: id)] else {
            throw BerthError.notFound("task \(id) not found")
        }
        return entry.task
    }

    public func tasks(namespace: String) -> [ShimTask] {
        tasks.filter { $0.key.namespace == namespace }.map(\.value.task).sorted { $0.id < $1.id }
    }

    public func allTasks() -> [ShimTask] {
        tasks.values.map(\.task)
    }

    /// Deletes the task's init process in the shim, shuts the shim down and removes the bundle.
    public func delete(namespace: String, id: String) async throws -> Containerd_Task_V2_DeleteResponse {
        let key = Key(namespace: namespace, id: id)
        guard let entry = tasks[key] else { throw BerthError.notFound("task \(id) not found") }
        let response: Containerd_Task_V2_DeleteResponse
        do {
            response = try await entry.task.call(
                "Delete", Containerd_Task_V2_DeleteRequest.with { $0.id = id }, as: Containerd_Task_V2_DeleteResponse.self)
        } catch let error as BerthError where error.kind != .notFound && error.kind != .unavailable {
            throw error
        }
        CrashPoint.reach("task.delete.before-shutdown")
        tasks[key] = nil
        await shutdown(entry.task)
        await Self.release(entry.task.bundle, log: entry.log)
        return response
    }

    // Bundles are made and removed, and shims spawned, off the actor and off the event loop: under many parallel
    // starts their file system work (a few directories and files, a spawn, an unmount) held up every other
    // task's lookup (Start, Wait, Get) queued behind it, and every RPC the loop serves.

    /// Resolves the shim binary and writes the bundle.
    @concurrent
    private nonisolated static func prepare(
        _ creation: TaskCreation, config: RuntimeConfig
    ) async throws -> (binary: String, bundle: TaskBundle) {
        let binary: String
        do {
            binary = try RuntimeBinary.resolve(creation.runtime)
        } catch let error as BerthError {
            throw BerthError(error.kind, "failed to start shim: failed to resolve runtime path: \(error.message)")
        }
        let bundle = try TaskBundle.create(
            root: config.root, state: config.state, namespace: creation.namespace, id: creation.id, spec: creation.spec)
        try? StateFile.write(creation.runtime, to: bundle.path + "/runtime-name")
        return (binary, bundle)
    }

    private nonisolated static func release(_ bundle: TaskBundle, log: ShimLog) async {
        await offEventLoop {
            log.close()
            bundle.remove()
        }
    }

    /// Reconnects to the shims of tasks that were running when the daemon stopped; bundles whose shim is
    /// gone are cleaned up with `<shim> delete`.
    public func recover() async {
        for (namespace, id) in TaskBundle.existing(state: config.state) {
            let bundle = TaskBundle(root: config.root, state: config.state, namespace: namespace, id: id)
            var reached: (task: ShimTask, log: ShimLog)?
            do {
                let (task, log) = try await launcher.reconnect(bundle: bundle)
                reached = (task, log)
                let connected = try await task.call(
                    "Connect", Containerd_Task_V2_ConnectRequest.with { $0.id = id },
                    as: Containerd_Task_V2_ConnectResponse.self, timeout: .seconds(5))
                // runc-v2 answers Connect for an id it does not have, with no task pid.
                guard connected.taskPid != 0 else { throw BerthError.notFound("the shim has no task \(id)") }
                tasks[Key(namespace: namespace, id: id)] = Entry(task: task, log: log)
                watch(task)
                logger.info("reconnected to shim", metadata: ["namespace": "\(namespace)", "id": "\(id)"])
            } catch {
                // A shim that answers but has no such task (a crash between its start and the task's create, or
                // between the task's delete and the shim's shutdown) is told to exit, or it would stay forever.
                if let reached {
                    await shutdown(reached.task)
                    reached.log.close()
                }
                logger.warning("shim of a left-over task is gone, cleaning up", metadata: [
                    "namespace": "\(namespace)", "id": "\(id)", "error": "\(error)",
                ])
                let binary = (try? String(contentsOfFile: bundle.path + "/shim-binary-path", encoding: .utf8)) ?? ""
                if !binary.isEmpty { _ = await launcher.cleanupDeadShim(bundle: bundle, binary: binary) }
                bundle.remove()
            }
        }
    }

    private func watch(_ task: ShimTask) {
        Task { [weak self] in
            await task.closed()
            await self?.shimClosed(task)
        }
    }

    /// The shim went away without the task being deleted: clean up as containerd's cleanupAfterDeadShim does.
    private func shimClosed(_ task: ShimTask) async {
        let key = Key(namespace: task.namespace, id: task.id)
        guard let entry = tasks[key], entry.task === task else { return }
        tasks[key] = nil
        logger.warning("shim disconnected, cleaning up", metadata: ["namespace": "\(task.namespace)", "id": "\(task.id)"])
        let response = await launcher.cleanupDeadShim(bundle: task.bundle, binary: task.binary)
        entry.log.close()
        task.bundle.remove()
        let exitedAt = response.map { $0.exitedAt } ?? Google_Protobuf_Timestamp(date: Date())
        let status = response?.exitStatus ?? 255
        let pid = response?.pid ?? 0
        await publish(namespace: task.namespace, topic: "/tasks/exit", Containerd_Events_TaskExit.with {
            $0.containerID = task.id
            $0.id = task.id
            $0.pid = pid
            $0.exitStatus = status
            $0.exitedAt = exitedAt
        })
        await publish(namespace: task.namespace, topic: "/tasks/delete", Containerd_Events_TaskDelete.with {
            $0.containerID = task.id
            $0.pid = pid
            $0.exitStatus = status
            $0.exitedAt = exitedAt
        })
    }

    /// Asks the shim to exit and waits (bounded) for its connection to close.
    private func shutdown(_ task: ShimTask) async {
        _ = try? await task.call("Shutdown", Containerd_Task_V2_ShutdownRequest.with { $0.id = task.id },
                                 as: Google_Protobuf_Empty.self, timeout: .seconds(5))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await task.closed() }
            group.addTask {
                // A shim that does not go within the bound is cut off; that also ends the wait above.
                try? await Task.sleep(for: .seconds(5))
                await task.client.close()
            }
            await group.next()
            group.cancelAll()
        }
        await task.client.close()
    }

    private func publish(namespace: String, topic: String, _ message: some SwiftProtobuf.Message) async {
        do {
            try await exchange.publish(Event(namespace: namespace, topic: topic, payload: try EventPayload(message: message)))
        } catch {
            logger.error("publishing event failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
        }
    }
}
