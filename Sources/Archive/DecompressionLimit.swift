import BerthCore

/// How far a layer may expand when decompressed: a few KiB of gzip can unpack to many GiB of zeros and fill
/// the disk under the snapshot. The guard is an absolute cap on the tar's bytes, which the caller sets (from a
/// quota or the free space it has); a ratio alone would refuse real layers, whose sparse or zero-filled files
/// compress 1000:1 and more. A ratio can be added, counted only beyond an allowance so that small, highly
/// compressible layers still pass.
public struct DecompressionLimit: Sendable, Equatable {
    /// The most uncompressed (tar) bytes a layer may have. The default, 64 GiB, is beyond any sane image layer.
    public var maxBytes: Int64
    /// When set, a layer is refused once it expands beyond max(`ratioAllowance`, `maxRatio` × the compressed
    /// bytes read so far).
    public var maxRatio: Int64?
    public var ratioAllowance: Int64

    public init(maxBytes: Int64 = 64 << 30, maxRatio: Int64? = nil, ratioAllowance: Int64 = 1 << 30) {
        self.maxBytes = maxBytes
        self.maxRatio = maxRatio
        self.ratioAllowance = ratioAllowance
    }

    public static let `default` = DecompressionLimit()

    /// Refuses `decompressed` bytes out of `compressed` bytes read.
    func check(decompressed: Int64, compressed: Int64) throws {
        if decompressed > maxBytes {
            throw BerthError(.resourceExhausted, "layer expands beyond \(maxBytes) bytes")
        }
        guard let maxRatio else { return }
        let (scaled, overflow) = compressed.multipliedReportingOverflow(by: maxRatio)
        let allowed = max(ratioAllowance, overflow ? .max : scaled)
        if decompressed > allowed {
            throw BerthError(
                .resourceExhausted,
                "layer expands beyond \(allowed) bytes: more than \(maxRatio) times the \(compressed) compressed bytes read")
        }
    }
}
