import Metrics
import Prometheus
import Synchronization

/// berthd's Prometheus registry. Counters and histograms arrive through swift-metrics as they happen; gauges
/// of state (blobs, snapshots, containers and their cgroups, the process) are read at each scrape from the
/// sources the daemon registers, and a gauge whose labels no longer appear (a removed container) is dropped.
public final class DaemonMetrics: Sendable {
    /// One gauge value read at scrape time.
    public struct Sample: Sendable {
        public var name: String
        public var labels: [(String, String)]
        public var value: Double

        public init(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
            self.name = name
            self.labels = labels
            self.value = value
        }
    }

    public typealias Source = @Sendable () async -> [Sample]

    public let registry = PrometheusCollectorRegistry()
    private let sources = Mutex<[Source]>([])
    private let gauges = Mutex<[String: Prometheus.Gauge]>([:])

    public init() {}

    /// Makes swift-metrics write into this registry; call once, before anything records.
    public func bootstrap() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    public func addSource(_ source: @escaping Source) {
        sources.withLock { $0.append(source) }
    }

    /// Reads every source, updates the gauges, and renders the registry.
    public func scrape() async -> String {
        var samples: [Sample] = []
        for source in sources.withLock({ $0 }) { samples += await source() }
        gauges.withLock { gauges in
            var seen = Set<String>()
            for sample in samples {
                let key = sample.name + "{" + sample.labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
                seen.insert(key)
                let gauge = gauges[key] ?? registry.makeGauge(name: sample.name, labels: sample.labels)
                gauges[key] = gauge
                gauge.set(sample.value)
            }
            for (key, gauge) in gauges where !seen.contains(key) {
                registry.unregisterGauge(gauge)
                gauges[key] = nil
            }
        }
        return registry.emitToString()
    }
}
