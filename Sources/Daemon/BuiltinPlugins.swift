import BerthCore
import Services

/// The plugins this daemon runs, named with containerd's plugin types so that tools that look for them by
/// type (`ctr plugins ls`, CRI) find them. Listed in initialisation order, as containerd lists them.
enum BuiltinPlugins {
    static let host = PluginInfo.Platform(os: HostPlatform.os, architecture: HostPlatform.architecture)

    static let all: [PluginInfo] = [
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
    ]
}
