import BerthCore
import Foundation

/// Deterministic digests for records that need no real bytes behind them.
func digest(_ seed: Int) -> Digest {
    let hex = String(seed, radix: 16)
    // Only lowercase hex of the right length is a valid digest.
    return (try? Digest(parsing: "sha256:" + String(repeating: "0", count: 64 - hex.count) + hex))
        ?? { fatalError("invalid test digest") }()
}

func descriptor(_ seed: Int, mediaType: String = "application/vnd.oci.image.manifest.v1+json") -> Descriptor {
    Descriptor(mediaType: mediaType, digest: digest(seed), size: 100)
}
