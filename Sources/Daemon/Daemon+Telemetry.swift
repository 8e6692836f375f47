import BerthAPI
import Foundation
import Logging
import Metadata
import Runtime
import ServiceLifecycle
import SwiftProtobuf
import Telemetry

/// The metrics endpoint and the trace exporter, each on when configured.
struct DaemonTelemetry {
    var services: [any Service] = []
    /// Whether requests are measured or traced at all (the interceptor costs nothing when neither is on).
    var instrumentsRequests = false

    init(config: DaemonConfig, logger: Logger) throws {
        if let address = config.metricsAddress {
            let metrics = DaemonMetrics()
            metrics.bootstrap()
            metrics.addSource(ProcessMetrics.samples)
            services.append(try MetricsEndpoint(address: address, metrics: metrics, logger: logger))
            self.metrics = metrics
            instrumentsRequests = true
        }
        if let tracing = config.tracing {
            services.append(try DaemonTracing.bootstrap(tracing))
            instrumentsRequests = true
        }
    }

    private(set) var metrics: DaemonMetrics?

    /// Gauges of what the daemon holds, read at each scrape.
    func observe(metadata: MetadataStore, tasks: TaskManager) {
        guard let metrics else { return }
        metrics.addSource { await StoreMetrics.samples(metadata: metadata, tasks: tasks) }
    }
}

/// The daemon process itself, as Prometheus's process collector names it.
enum ProcessMetrics {
    static let startTime = Date().timeIntervalSince1970

    @Sendable static func samples() async -> [DaemonMetrics.Sample] {
        var samples = [DaemonMetrics.Sample("process_start_time_seconds", [], startTime)]
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ")
            if fields.count > 1, let pages = Double(fields[1]) {
                samples.append(.init("process_resident_memory_bytes", [], pages * Double(sysconf(Int32(_SC_PAGESIZE)))))
            }
        }
        if let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            samples.append(.init("process_open_fds", [], Double(descriptors.count)))
        }
        return samples
    }
}

/// Content, snapshots, containers and tasks per namespace, and each running task's cgroup (as containerd's
/// cgroups monitor exports them: container_* with container_id and namespace labels).
enum StoreMetrics {
    static func samples(metadata: MetadataStore, tasks: TaskManager) async -> [DaemonMetrics.Sample] {
        var samples: [DaemonMetrics.Sample] = []
        let namespaces = (try? await metadata.listNamespaces()) ?? []
        for namespace in namespaces.map(\.name) {
            let labels = [("namespace", namespace)]
            if let blobs = try? await metadata.blobs(namespace: namespace) {
                samples.append(.init("berth_content_blobs", labels, Double(blobs.count)))
                samples.append(.init("berth_content_bytes", labels, Double(blobs.reduce(0) { $0 + $1.size })))
            }
            for snapshotter in ["overlayfs", "native"] {
                let count = (try? await metadata.snapshots(namespace: namespace, snapshotter: snapshotter).count) ?? 0
                samples.append(.init("berth_snapshots", labels + [("snapshotter", snapshotter)], Double(count)))
            }
            let containers = (try? await metadata.containers(namespace: namespace).count) ?? 0
            samples.append(.init("berth_containers", labels, Double(containers)))
            let running = await tasks.tasks(namespace: namespace)
            samples.append(.init("berth_tasks", labels, Double(running.count)))
            for task in running {
                samples += await cgroupSamples(task)
            }
        }
        return samples
    }

    static func cgroupSamples(_ task: ShimTask) async -> [DaemonMetrics.Sample] {
        guard let stats = try? await task.call(
            "Stats", Containerd_Task_V2_StatsRequest.with { $0.id = task.id }, as: Containerd_Task_V2_StatsResponse.self)
        else { return [] }
        let labels = [("container_id", task.id), ("namespace", task.namespace)]
        if stats.stats.typeURL.hasSuffix("io.containerd.cgroups.v2.Metrics"),
            let v2 = try? Io_Containerd_Cgroups_V2_Metrics(serializedBytes: stats.stats.value)
        {
            return [
                .init("container_cpu_usage_usec", labels, Double(v2.cpu.usageUsec)),
                .init("container_memory_usage_bytes", labels, Double(v2.memory.usage)),
                .init("container_pids_current", labels, Double(v2.pids.current)),
            ]
        }
        if let v1 = try? Io_Containerd_Cgroups_V1_Metrics(serializedBytes: stats.stats.value) {
            return [
                .init("container_cpu_total_nanoseconds", labels, Double(v1.cpu.usage.total)),
                .init("container_memory_usage_usage_bytes", labels, Double(v1.memory.usage.usage)),
                .init("container_pids_current", labels, Double(v1.pids.current)),
            ]
        }
        return []
    }
}
