import BerthCore
import Foundation
import Services

/// The plugins this daemon runs, named with containerd's plugin types so that tools that look for them by
/// type (`ctr plugins ls`, CRI) find them. Listed in initialisation order, as containerd lists them.
/// Where their data lives is exported as containerd's snapshotters export it ("root"); a plugin that is not
/// running says why, and one that is off by configuration says "skip plugin", which ctr shows as "skip".
enum BuiltinPlugins {
    static let host = PluginInfo.Platform(os: HostPlatform.os, architecture: HostPlatform.architecture)

    static func all(config: DaemonConfig, overlaySupported: Bool = OverlaySupport.kernelHasOverlay()) -> [PluginInfo] {
        var plugins = base
        for index in plugins.indices {
            switch (plugins[index].type, plugins[index].id) {
            case ("io.containerd.content.v1", "content"):
                plugins[index].exports["root"] = config.root + "/" + Daemon.contentDirectory
            case ("io.containerd.snapshotter.v1", let id):
                plugins[index].exports["root"] = config.root + "/io.containerd.snapshotter.v1." + id
                if id == "overlayfs" && !overlaySupported {
                    plugins[index].initError = "overlayfs is not supported by this kernel (no overlay in /proc/filesystems)"
                }
            case ("io.containerd.metadata.v1", _):
                plugins[index].exports["root"] = config.root + "/io.containerd.metadata.v1.sqlite"
            case ("io.containerd.runtime.v2", "task"):
                plugins[index].exports["root"] = config.root + "/io.containerd.runtime.v2.task"
                plugins[index].exports["state"] = config.state + "/io.containerd.runtime.v2.task"
                plugins[index].exports["default_runtime_name"] = config.defaultRuntime
            case ("io.containerd.tracing.processor.v1", "otlp"):
                if let endpoint = config.tracingEndpoint {
                    plugins[index].exports["endpoint"] = endpoint
                    plugins[index].exports["protocol"] = config.tracingProtocol
                } else {
                    plugins[index].initError = "skip plugin: otlp endpoint not configured"
                }
            case ("io.berth.metrics.v1", "prometheus"):
                if let address = config.metricsAddress {
                    plugins[index].exports["address"] = address
                } else {
                    plugins[index].initError = "skip plugin: metrics address not configured"
                }
            default: break
            }
        }
        return plugins
    }

    private static let base: [PluginInfo] = [
        PluginInfo(type: "io.containerd.content.v1", id: "content"),
        PluginInfo(type: "io.containerd.event.v1", id: "exchange"),
        PluginInfo(type: "io.containerd.snapshotter.v1", id: "native", platforms: [host]),
        PluginInfo(type: "io.containerd.snapshotter.v1", id: "overlayfs", platforms: [host]),
        PluginInfo(
            type: "io.containerd.metadata.v1", id: "sqlite",
            requires: ["io.containerd.content.v1", "io.containerd.snapshotter.v1"]),
        PluginInfo(type: "io.containerd.gc.v1", id: "scheduler", requires: ["io.containerd.metadata.v1"]),
        PluginInfo(
            type: "io.containerd.grpc.v1", id: "containers",
            requires: ["io.containerd.metadata.v1", "io.containerd.event.v1"]),
        PluginInfo(
            type: "io.containerd.grpc.v1", id: "content",
            requires: ["io.containerd.metadata.v1", "io.containerd.event.v1"]),
        PluginInfo(type: "io.containerd.differ.v1", id: "walking", requires: ["io.containerd.metadata.v1"], platforms: [host]),
        PluginInfo(type: "io.containerd.grpc.v1", id: "diff", requires: ["io.containerd.differ.v1"]),
        PluginInfo(type: "io.containerd.grpc.v1", id: "events", requires: ["io.containerd.event.v1"]),
        PluginInfo(
            type: "io.containerd.grpc.v1", id: "images",
            requires: ["io.containerd.metadata.v1", "io.containerd.gc.v1", "io.containerd.event.v1"]),
        PluginInfo(type: "io.containerd.grpc.v1", id: "introspection"),
        PluginInfo(
            type: "io.containerd.runtime.v2", id: "task",
            requires: ["io.containerd.event.v1", "io.containerd.metadata.v1"], platforms: [host]),
        PluginInfo(
            type: "io.containerd.grpc.v1", id: "tasks",
            requires: ["io.containerd.runtime.v2", "io.containerd.metadata.v1", "io.containerd.event.v1"]),
        PluginInfo(type: "io.containerd.grpc.v1", id: "leases", requires: ["io.containerd.metadata.v1", "io.containerd.gc.v1"]),
        PluginInfo(
            type: "io.containerd.grpc.v1", id: "snapshots",
            requires: ["io.containerd.metadata.v1", "io.containerd.event.v1"]),
        PluginInfo(
            type: "io.containerd.grpc.v1", id: "namespaces",
            requires: ["io.containerd.metadata.v1", "io.containerd.event.v1"]),
        PluginInfo(type: "io.containerd.grpc.v1", id: "version"),
        // Berth's own: daemon-side pulls (berth.services.transfer.v1).
        PluginInfo(
            type: "io.berth.grpc.v1", id: "transfer",
            requires: ["io.containerd.metadata.v1", "io.containerd.snapshotter.v1", "io.containerd.event.v1"]),
        PluginInfo(type: "io.containerd.tracing.processor.v1", id: "otlp"),
        PluginInfo(type: "io.containerd.internal.v1", id: "tracing", requires: ["io.containerd.tracing.processor.v1"]),
        // Berth's Prometheus endpoint ([metrics] address).
        PluginInfo(type: "io.berth.metrics.v1", id: "prometheus"),
    ]
}

enum OverlaySupport {
    static func kernelHasOverlay() -> Bool {
        let filesystems = (try? String(contentsOfFile: "/proc/filesystems", encoding: .utf8)) ?? ""
        return filesystems.split(separator: "\n").contains { $0.split(separator: "\t").last == "overlay" }
    }
}
