import NIOHTTP2

/// A connection's open streams, by id. Clients open streams in increasing id order, so appending keeps the
/// table sorted and a lookup is a binary search over a few entries: cheaper than hashing the id, which a
/// dictionary does for every frame and event (several thousand instructions per call).
struct StreamTable {
    private var entries: [GRPCStream] = []

    /// Adds a stream whose id is above every id in the table.
    mutating func append(_ stream: GRPCStream) {
        precondition(entries.last.map { $0.id < stream.id } ?? true, "streams must be added in id order")
        entries.append(stream)
    }

    subscript(id: HTTP2StreamID) -> GRPCStream? {
        index(of: id).map { entries[$0] }
    }

    mutating func remove(_ id: HTTP2StreamID) -> GRPCStream? {
        index(of: id).map { entries.remove(at: $0) }
    }

    mutating func removeAll() -> [GRPCStream] {
        defer { entries.removeAll() }
        return entries
    }

    private func index(of id: HTTP2StreamID) -> Int? {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return low < entries.count && entries[low].id == id ? low : nil
    }
}
