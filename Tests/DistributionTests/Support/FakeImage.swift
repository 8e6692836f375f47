import BerthCore
import Distribution
import Foundation
import OCI

/// A small single-platform image made in memory: random layer bytes, a config and an OCI manifest.
struct FakeImage: Sendable {
    let layer: [UInt8]
    let config: [UInt8]
    let manifest: [UInt8]
    let layerDescriptor: OCIDescriptor
    let configDescriptor: OCIDescriptor
    let manifestDescriptor: OCIDescriptor

    init(layerSize: Int = 300_000, seed: UInt64 = 1) throws {
        layer = randomBytes(layerSize, seed: seed)
        config = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        layerDescriptor = OCIDescriptor(
            mediaType: MediaTypes.ociLayerGzip, digest: try digestOf(layer).description, size: Int64(layer.count))
        configDescriptor = OCIDescriptor(
            mediaType: MediaTypes.ociConfig, digest: try digestOf(config).description, size: Int64(config.count))
        let document: [String: Any] = [
            "schemaVersion": 2,
            "mediaType": MediaTypes.ociManifest,
            "config": ["mediaType": configDescriptor.mediaType, "digest": configDescriptor.digest, "size": configDescriptor.size],
            "layers": [["mediaType": layerDescriptor.mediaType, "digest": layerDescriptor.digest, "size": layerDescriptor.size]],
        ]
        manifest = Array(try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]))
        manifestDescriptor = OCIDescriptor(
            mediaType: MediaTypes.ociManifest, digest: try digestOf(manifest).description, size: Int64(manifest.count))
    }

    /// The blob with this digest, if it is one of the image's.
    func blob(_ digest: String) -> [UInt8]? {
        switch digest {
        case layerDescriptor.digest: layer
        case configDescriptor.digest: config
        case manifestDescriptor.digest: manifest
        default: nil
        }
    }
}

/// Deterministic pseudo-random bytes (SplitMix64).
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
    var bytes = [UInt8](repeating: 0, count: count)
    var index = 0
    while index < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        for shift in stride(from: 0, to: 64, by: 8) where index < count {
            bytes[index] = UInt8(truncatingIfNeeded: z >> UInt64(shift))
            index += 1
        }
    }
    return bytes
}
