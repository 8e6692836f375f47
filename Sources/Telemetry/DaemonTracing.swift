import OTel
import ServiceLifecycle

/// Where and how berthd exports traces: containerd's `[plugins."io.containerd.tracing.processor.v1.otlp"]`
/// and `[plugins."io.containerd.internal.v1.tracing"]` keys.
public struct TracingSettings: Sendable, Equatable {
    /// Base URL of the collector (http://host:4318 for http/protobuf, http://host:4317 for grpc).
    public var endpoint: String
    /// "http/protobuf" (default), "http/json" or "grpc".
    public var protocolName: String
    public var samplingRatio: Double
    public var serviceName: String

    public static let protocols = ["http/protobuf", "http/json", "grpc"]

    public init(endpoint: String, protocolName: String = "http/protobuf", samplingRatio: Double = 1, serviceName: String = "berthd") {
        self.endpoint = endpoint
        self.protocolName = protocolName
        self.samplingRatio = samplingRatio
        self.serviceName = serviceName
    }
}

public enum DaemonTracing {
    /// Installs the OTLP tracer process-wide; the returned service batches and exports spans while it runs,
    /// and flushes them at shutdown.
    public static func bootstrap(_ settings: TracingSettings) throws -> any Service {
        var configuration = OTel.Configuration.default
        configuration.serviceName = settings.serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.traces.batchSpanProcessor.scheduleDelay = .seconds(1)
        guard let sampler = SamplerConfiguration.parentBasedTraceIDRatio(ratio: settings.samplingRatio) else {
            throw TelemetryError("tracing sampling ratio \(settings.samplingRatio) is not between 0 and 1")
        }
        configuration.traces.sampler = sampler
        var endpoint = settings.endpoint
        switch settings.protocolName {
        case "grpc":
            configuration.traces.otlpExporter.protocol = .grpc
        case "http/protobuf", "http/json":
            configuration.traces.otlpExporter.protocol = settings.protocolName == "http/json" ? .httpJSON : .httpProtobuf
            // As containerd's exporter: the endpoint names the collector; traces go to its /v1/traces.
            if !endpoint.hasSuffix("/v1/traces") { endpoint = endpoint.trimmingSuffix("/") + "/v1/traces" }
        default:
            throw TelemetryError("tracing protocol \"\(settings.protocolName)\" is not one of \(TracingSettings.protocols.joined(separator: ", "))")
        }
        configuration.traces.otlpExporter.endpoint = endpoint
        return try OTel.bootstrap(configuration: configuration, environment: [:])
    }

    typealias SamplerConfiguration = OTel.Configuration.TracesConfiguration.SamplerConfiguration
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
