import Metrics

/// Pull counters, through swift-metrics (berthd's Prometheus endpoint shows them when it is on).
enum PullMetrics {
    static func completed(_ outcome: PullOutcome, since start: ContinuousClock.Instant) {
        Counter(label: "berth_pulls_total", dimensions: [("outcome", "completed")]).increment()
        Counter(label: "berth_pull_fetched_bytes_total").increment(by: Int(clamping: outcome.bytesFetched))
        Counter(label: "berth_pull_layers_unpacked_total", dimensions: [("while", "downloading")])
            .increment(by: outcome.layersStreamed)
        Counter(label: "berth_pull_layers_unpacked_total", dimensions: [("while", "after")])
            .increment(by: outcome.layersAppliedAfter)
        let elapsed = (ContinuousClock.now - start).components
        Timer(label: "berth_pull_duration_seconds")
            .recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
    }

    static func failed() {
        Counter(label: "berth_pulls_total", dimensions: [("outcome", "failed")]).increment()
    }
}
