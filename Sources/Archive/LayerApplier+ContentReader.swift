import ContentStore

extension LayerApplier {
    /// Applies a layer blob read from the content store, start to end.
    public static func apply(
        to root: String, style: WhiteoutStyle, lowers: [String] = [], from reader: ContentReader,
        limit: DecompressionLimit = .default
    ) throws -> AppliedLayer {
        var offset: Int64 = 0
        return try apply(to: root, style: style, lowers: lowers, limit: limit) { buffer in
            let count = try reader.read(at: offset, into: buffer)
            offset += Int64(count)
            return count
        }
    }
}
