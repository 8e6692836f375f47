import BerthCore
import ContentStore
import Events
import Foundation
import GRPCCore
import UnixGRPCTransport
import Logging
import Metadata
import NIOPosix
import Runtime
import ServiceLifecycle
import Services
import Snapshots
import Telemetry
import TTRPC
import Transfer

/// berthd: opens the stores under the root, wires the services and serves containerd's API on a unix socket
/// until SIGTERM or SIGINT.
public struct Daemon: Sendable {
    /// containerd's limit for one gRPC message; images and specs can be larger than gRPC's 4 MiB default.
    static let maxMessageSize = 16 << 20

    public let config: DaemonConfig
    let logger: Logger
    /// The log level SIGUSR1 toggles; nil when the caller installed its own logging.
    let levels: LogLevelSwitch?

    public init(config: DaemonConfig, logger: Logger, levels: LogLevelSwitch? = nil) {
        self.config = config
        self.logger = logger
        self.levels = levels
    }

    public func run() async throws {
        try config.validate()
        try Self.makeDirectory(config.root, mode: 0o700)
        try Self.makeDirectory(config.state, mode: 0o711)
        let lock = try RootLock(root: config.root)
        let uuid = try ServerUUID.loadOrCreate(root: config.root)
        let store = try MetadataStore(root: config.root)
        let blobs = try LocalContentStore(root: config.root + "/" + Self.contentDirectory)
        let drivers: [any SnapshotDriver] = [
            try OverlayDriver(root: config.root + "/io.containerd.snapshotter.v1.overlayfs"),
            try NativeDriver(root: config.root + "/io.containerd.snapshotter.v1.native"),
        ]
        let collector = GarbageCollector(metadata: store, content: blobs, snapshotDrivers: drivers)
        await collector.setReportHandler { [logger] result in Self.log(result, logger: logger) }
        let content = NamespacedContent(metadata: store, store: blobs, collector: collector)
        let snapshots = NamespacedSnapshots(metadata: store, drivers: drivers, collector: collector)
        try await Self.settleCrashLeftovers(blobs: blobs, snapshots: snapshots, drivers: drivers, logger: logger)
        // As containerd does shortly after start: collect what a crash or expired leases left behind.
        await collector.schedule()
        // The API's own loops (`grpc.event_loops`): requests, shims' events and the connections to shims. Pulls'
        // HTTP clients stay on NIO's shared group. Never shut down: that would close the connections to running
        // shims, which the task manager takes for dead shims (and cleans up); the process's exit ends the threads.
        let apiLoops = MultiThreadedEventLoopGroup(numberOfThreads: config.eventLoops)
        let exchange = EventExchange()
        let publisher = EventPublisher(exchange: exchange, logger: logger)
        let plugins = BuiltinPlugins.all(config: config)
        let taskManager = TaskManager(
            config: RuntimeConfig(
                root: config.root, state: config.state, daemonAddress: config.address,
                ttrpcAddress: config.ttrpcAddress, publishBinary: Self.executablePath, eventLoopGroup: apiLoops),
            exchange: exchange, logger: logger)
        let shimEvents = TTRPCServer(eventLoopGroup: apiLoops, logger: logger)
        ShimEventsService.register(on: shimEvents, exchange: exchange, logger: logger)
        try SocketFile.prepare(config.ttrpcAddress)
        try await shimEvents.start(unixSocketPath: config.ttrpcAddress)
        // Shims that outlived a previous daemon are reconnected (or cleaned up) before requests arrive.
        await taskManager.recover()

        let transfers = ImageTransfers(
            stores: .init(metadata: store, content: content, snapshots: snapshots), events: publisher, logger: logger)
        let interrupted = await transfers.removeInterruptedUnpacks()
        if interrupted > 0 { logger.info("removed the half-applied layers of interrupted pulls", metadata: ["snapshots": "\(interrupted)"]) }

        let versionService = VersionService()
        let namespacesService = NamespacesService(store: store, events: publisher)
        let introspectionService = IntrospectionService(serverUUID: uuid, plugins: { plugins })
        let eventsService = EventsService(exchange: exchange)
        let contentService = ContentService(content: content, events: publisher)
        let imagesService = ImagesService(metadata: store, collector: collector, events: publisher)
        let containersService = ContainersService(
            metadata: store, collector: collector, events: publisher, defaultRuntime: config.defaultRuntime)
        let leasesService = LeasesService(metadata: store, collector: collector)
        let snapshotsService = SnapshotsService(snapshots: snapshots, events: publisher)
        let diffService = DiffService(content: content)
        let tasksService = TasksService(metadata: store, tasks: taskManager)
        let adminService = AdminService(
            check: ConsistencyCheck(metadata: store, content: blobs, drivers: drivers, collector: collector))
        let services: [any RegistrableRPCService] = [
            versionService, namespacesService, introspectionService, eventsService, ContentRPCService(contentService),
            imagesService, containersService, leasesService, snapshotsService, diffService, tasksService,
            TransferService(transfers: transfers, defaultSnapshotter: Self.defaultSnapshotter), adminService,
        ]
        let telemetry = try DaemonTelemetry(config: config, logger: logger)
        // The transport serves unary calls itself, without GRPCCore's executor and so without interceptors:
        // only when no request is measured or traced.
        let unaryRoutes: [UnaryRoute] = telemetry.instrumentsRequests ? [] : [
            versionService.unaryRoutes, namespacesService.unaryRoutes, introspectionService.unaryRoutes,
            eventsService.unaryRoutes, contentService.unaryRoutes, imagesService.unaryRoutes,
            containersService.unaryRoutes, leasesService.unaryRoutes, snapshotsService.unaryRoutes,
            diffService.unaryRoutes, tasksService.unaryRoutes, adminService.unaryRoutes,
        ].flatMap { $0 }
        try SocketFile.prepare(config.address)
        let transport = UnixServerTransport(
            path: config.address, maxRequestPayloadSize: Self.maxMessageSize, group: apiLoops, unaryRoutes: unaryRoutes)
        telemetry.observe(metadata: store, tasks: taskManager)
        let server = GRPCServer(
            transport: transport, services: services,
            interceptors: telemetry.instrumentsRequests ? [RPCInstrumentation()] : [])
        let serving = ServingService(
            server: server, transport: transport, exchange: exchange, config: config, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: serving)] + telemetry.services.map { .init(service: $0) }
                    + (levels.map { [.init(service: LogLevelSignals(levels: $0, logger: logger))] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        defer {
            SocketFile.remove(config.address)
            SocketFile.remove(config.ttrpcAddress)
            withExtendedLifetime(lock) {}
        }
        try await group.run()
        // Running tasks keep their shims; the next daemon reconnects to them.
        await shimEvents.close()
        logger.info("berthd stopped")
    }

    /// Shims are told this binary as `-publish-binary`.
    static var executablePath: String {
        Bundle.main.executableURL?.path ?? CommandLine.arguments.first ?? "berthd"
    }

    /// Named like containerd's content plugin folder.
    static let contentDirectory = "io.containerd.content.v1.content"
    /// containerd's default snapshotter on Linux.
    static let defaultSnapshotter = "overlayfs"

    static func log(_ result: Result<CollectionReport, any Error>, logger: Logger) {
        switch result {
        case .success(let report):
            logger.debug(
                "garbage collected",
                metadata: [
                    "records": "\(report.sweep.removedCount)", "files": "\(report.filesRemoved)",
                    "bytes": "\(report.bytesFreed)", "duration": "\(report.duration)",
                ])
        case .failure(let error):
            logger.error("garbage collection failed", metadata: ["error": "\(error)"])
        }
    }

    static func makeDirectory(_ path: String, mode: Int) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch {
            throw BerthError.unavailable("cannot create \(path): \(error.localizedDescription)")
        }
    }
}

/// Runs the gRPC server under service-lifecycle: ready once the socket is bound, drained on shutdown.
struct ServingService: Service {
    let server: GRPCServer<UnixServerTransport>
    let transport: UnixServerTransport
    let exchange: EventExchange
    let config: DaemonConfig
    let logger: Logger

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.serve() }
                await transport.waitUntilBound()
                try SocketFile.setPermissions(
                    config.address, mode: 0o660, uid: config.socketUID, gid: config.socketGID)
                logger.info(
                    "berthd serving",
                    metadata: [
                        "address": "\(config.address)", "root": "\(config.root)", "state": "\(config.state)",
                        "version": "\(BerthVersion.version)",
                    ])
                SystemdNotify.send("READY=1")
            }
        } onGracefulShutdown: {
            logger.info("shutting down")
            SystemdNotify.send("STOPPING=1")
            server.beginGracefulShutdown()
            // Event subscriptions never end by themselves; end them so the drain can finish.
            Task { await exchange.finishAll() }
        }
    }
}
