// swift-tools-version:6.1
import PackageDescription

/// How Berth's executables link: the Swift runtime and Foundation statically, and not position-independent (as
/// Debian's containerd and containerd-shim-runc-v2 are not). The loader then has almost no relocations to apply;
/// a PIE Swift binary has tens of thousands, and each dirties the page it is on in every process. Measured
/// (bench/results): the shim went from 1.96 to 0.98 MiB PSS per container at 20 (runc-v2: 2.91; 1.25 since
/// swift-otel turns on SwiftProtobuf's Foundation trait); berthd's RSS after start from 46.1 to 41.9 MiB without
/// PIE and to 38.1 also static (52.5 to 43.9 after an image import). The -l flags name what the static
/// Foundation archives need but do not autolink.
let staticRuntime: [LinkerSetting] = [
    .unsafeFlags([
        "-static-stdlib", "-Xclang-linker", "-no-pie",
        // Nothing to export: the executables load no plugins, and an exported symbol table of 70,000 entries is
        // searched (and paged in) by the loader for every symbol the shared libraries bind.
        "-Xlinker", "--no-export-dynamic",
        "-Xlinker", "-l_FoundationCollections", "-Xlinker", "-l_FoundationCShims",
        "-Xlinker", "-lCoreFoundation", "-Xlinker", "-l_FoundationICU", "-Xlinker", "-lFoundationInternationalization",
    ])
]

let package = Package(
    name: "Berth",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "berthd", targets: ["berthd"]),
        .executable(name: "berth", targets: ["berth"]),
        .executable(name: "containerd-shim-berth-v1", targets: ["containerd-shim-berth-v1"]),
        .library(name: "BerthClient", targets: ["BerthClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        // Without the BinaryDelimitedStreams trait SwiftProtobuf does not load Foundation, which keeps the shim small.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0"),
    ],
    targets: [
        // Generated Swift for Berth's copy of containerd's v1 wire contract. Nothing hand-written.
        .target(
            name: "BerthAPI",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ]
        ),
        // Hand-written helpers over the generated API that both sides of the wire share (event type registry).
        .target(
            name: "APISupport",
            dependencies: ["BerthAPI", "BerthCore", "Events", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // Shared vocabulary: errors, identifiers, filters, field paths, labels. No dependencies on other modules.
        .target(name: "BerthCore"),
        // Blobs on disk by digest, and resumable ingests (containerd's content/local).
        .target(
            name: "ContentStore",
            dependencies: ["BerthCore", "CLinux", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Snapshot drivers (overlayfs, native): directories and mounts by id.
        .target(name: "Snapshots", dependencies: ["BerthCore"]),
        // libarchive (Debian's libarchive-dev): tar reading and writing, decompression filters.
        .systemLibrary(name: "CLibArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CISAL", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        // Layers: apply a (compressed) tar to a directory safely, with OCI whiteouts.
        .target(name: "Archive", dependencies: ["BerthCore", "ContentStore", "CLibArchive", "CISAL", "CLinux"]),
        // Linux headers Glibc does not export (xattrs, device numbers, mount flags).
        .target(name: "CLinux"),
        // The embedded SQLite database: schema, migrations, namespaced records, garbage collection.
        .target(
            name: "Metadata",
            dependencies: [
                "BerthCore", "ContentStore", "Snapshots", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"), .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // OCI image-spec documents and media types, and walking an image's tree.
        .target(name: "OCI"),
        // Image archives: import/export of OCI layout and Docker save tarballs, streaming (ctr images import/export).
        .target(
            name: "ImageArchive",
            dependencies: ["BerthCore", "OCI", "CLibArchive", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The in-process event exchange: publish, forward, filtered subscriptions.
        .target(name: "Events", dependencies: ["BerthCore"]),
        // Registries: references, hosts.toml, auth, resolve/fetch/push, and the image puller and pusher.
        .target(
            name: "Distribution",
            dependencies: [
                "BerthCore", "OCI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                "TOML",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // TOML 1.0 (config.toml, hosts.toml). Our own rather than TOMLKit: toml++ asserts, and so aborts the
        // process, on malformed input such as `[(` (SwiftPM builds C++ dependencies without NDEBUG).
        .target(name: "TOML"),
        // OCI runtime-spec documents and containerd's spec generation (default spec, image config, options).
        .target(name: "RuntimeSpec", dependencies: ["OCI"]),
        // ttrpc (the shim protocol): client and server over unix sockets on swift-nio.
        .target(
            name: "TTRPC",
            dependencies: [
                "BerthAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Runtime v2: task bundles, shims started and reached over ttrpc, their events, dead-shim cleanup.
        .target(
            name: "Runtime",
            dependencies: [
                "BerthAPI", "APISupport", "BerthCore", "Events", "TTRPC", "CLinux",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // Daemon-side image transfers: pulls that outlive their client, unpacked while they download.
        .target(
            name: "Transfer",
            dependencies: [
                "BerthCore", "OCI", "Distribution", "ContentStore", "Metadata", "Snapshots", "Archive",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Berth's runtime v2 shim: containerd.task.v2.Task on one poll(2) loop, runc/crun driven synchronously.
        // Its own small ttrpc server and event client (no NIO, no Foundation): a shim per container must be light.
        .target(
            name: "Shim",
            dependencies: ["BerthAPI", "BerthCore", "CLinux", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // One shim runs per container, so its private pages are what a container costs (see staticRuntime).
        .executableTarget(
            name: "containerd-shim-berth-v1", dependencies: ["Shim"], linkerSettings: staticRuntime),
        // gRPC services: decode the request, call the store, encode the answer.
        .target(
            name: "Services",
            dependencies: [
                "BerthAPI", "APISupport", "BerthCore", "ContentStore", "Snapshots", "Archive", "Metadata", "Events",
                "Runtime", "Transfer", "Distribution", "OCI", "UnixGRPCTransport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // gRPC over HTTP/2 on a unix socket (server side), with limits set for Go clients' flow-control pings.
        .target(
            name: "UnixGRPCTransport",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ]
        ),
        // Operability: Prometheus metrics (endpoint, gRPC request counts and latencies) and OpenTelemetry traces.
        .target(
            name: "Telemetry",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Configuration, plugin wiring, the server lifecycle.
        .target(
            name: "Daemon",
            dependencies: [
                "BerthCore", "BerthAPI", "ContentStore", "Snapshots", "Metadata", "Events", "Services", "UnixGRPCTransport",
                "Runtime", "TTRPC", "Transfer", "Telemetry",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                "TOML",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // A Swift client for berthd (or containerd): what the CLI and embedders use.
        .target(
            name: "BerthClient",
            dependencies: [
                "BerthAPI", "APISupport", "BerthCore", "OCI",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The command tree of `berth` (ctr's), output formatting.
        .target(
            name: "CLI",
            dependencies: [
                "BerthClient", "BerthAPI", "BerthCore", "OCI", "ImageArchive", "RuntimeSpec", "Distribution",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "berthd",
            dependencies: [
                "Daemon", "BerthCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            linkerSettings: staticRuntime),
        .executableTarget(name: "berth", dependencies: ["CLI", "CLinux"], linkerSettings: staticRuntime),

        // Seeded mutation for the fuzz tests of several test targets.
        .target(name: "FuzzSupport", path: "Tests/FuzzSupport"),
        .testTarget(name: "BerthCoreTests", dependencies: ["BerthCore", "FuzzSupport"]),
        .testTarget(
            name: "ShimTests",
            dependencies: ["Shim", "BerthAPI", "FuzzSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .testTarget(name: "ContentStoreTests", dependencies: ["ContentStore", "BerthCore", "CLinux"]),
        .testTarget(
            name: "ServicesTests",
            dependencies: [
                "Services", "BerthAPI", "UnixGRPCTransport", "Events",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "UnixGRPCTransportTests",
            dependencies: [
                "UnixGRPCTransport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ]
        ),
        .testTarget(
            name: "MetadataTests",
            dependencies: ["Metadata", "ContentStore", "Snapshots", "BerthCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ImageArchiveTests", dependencies: ["ImageArchive", "BerthCore", "OCI", "FuzzSupport"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "BerthCore", "CLinux", "FuzzSupport"]),
        .testTarget(name: "SnapshotsTests", dependencies: ["Snapshots", "Metadata", "ContentStore", "BerthCore"]),
        .testTarget(name: "EventsTests", dependencies: ["Events", "BerthCore"]),
        .testTarget(name: "TOMLTests", dependencies: ["TOML", "FuzzSupport"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "BerthCore", "FuzzSupport"]),
        .testTarget(
            name: "RuntimeTests",
            dependencies: ["Runtime", "BerthAPI", "BerthCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .testTarget(name: "RuntimeSpecTests", dependencies: ["RuntimeSpec", "OCI", "FuzzSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "TTRPCTests",
            dependencies: [
                "TTRPC", "BerthAPI", "FuzzSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "DistributionTests",
            dependencies: [
                "Distribution", "BerthCore", "OCI", "FuzzSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Starts real berthd processes and drives them with the stock `ctr` and `berth`.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "BerthClient", "BerthCore", "BerthAPI", "FuzzSupport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
    ]
)
