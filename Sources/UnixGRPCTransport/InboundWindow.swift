/// How much flow-control credit to give back for one inbound window (a stream's or the connection's), as
/// swift-nio-http2's multiplexer does: nothing while the window holds at least half its target, then enough
/// to fill it again.
struct InboundWindow {
    let target: Int
    /// The window as the connection last reported it; nil before the first report.
    private var size: Int?

    init(target: Int) {
        self.target = min(max(target, 0), Int(Int32.max))
    }

    mutating func update(_ size: Int) {
        self.size = size
    }

    /// The WINDOW_UPDATE increment due now, counted as granted; nil when none is.
    mutating func increment() -> Int? {
        guard let size, size < target else { return nil }
        // A window can go negative when the peer's settings shrink it: fill it up, within HTTP/2's limit.
        let increment = min(target - size, Int(Int32.max))
        guard size < 0 || increment >= size else { return nil }
        self.size = size + increment
        return increment
    }
}
