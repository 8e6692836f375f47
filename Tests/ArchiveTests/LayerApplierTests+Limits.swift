import Archive
import BerthCore
import Foundation
import Testing

/// Gzip bombs: 16 MiB of zeros in a gzip of about 16 KiB.
extension LayerApplierTests {
    func zeroLayer() throws -> String {
        try run("/bin/bash", "-o", "pipefail", "-c",
                "cd \(work) && truncate -s 16M zeros && tar -cf - zeros | gzip -9 > zeros.tar.gz && rm zeros")
        return work + "/zeros.tar.gz"
    }

    func apply(_ tar: String, limit: DecompressionLimit) throws -> AppliedLayer {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: tar))
        defer { try? handle.close() }
        return try LayerApplier.apply(to: root, style: .remove, limit: limit) { buffer in
            let data = handle.readData(ofLength: buffer.count)
            data.copyBytes(to: buffer)
            return data.count
        }
    }

    @Test func aLayerExpandingBeyondTheByteLimitIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let layer = try zeroLayer()
        let error = #expect(throws: BerthError.self) { _ = try apply(layer, limit: DecompressionLimit(maxBytes: 4 << 20)) }
        #expect(error?.kind == .resourceExhausted)
        #expect(error?.message == "layer expands beyond 4194304 bytes")
    }

    @Test func aLayerExpandingBeyondTheRatioIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let layer = try zeroLayer()
        let limit = DecompressionLimit(maxRatio: 100, ratioAllowance: 1 << 20)
        let error = #expect(throws: BerthError.self) { _ = try apply(layer, limit: limit) }
        #expect(error?.kind == .resourceExhausted)
        #expect(error?.message.hasPrefix("layer expands beyond ") == true)
        #expect(error?.message.contains("more than 100 times") == true)
    }

    @Test func aLayerWithinTheLimitsApplies() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let layer = try zeroLayer()
        let applied = try apply(layer, limit: DecompressionLimit(maxBytes: 17 << 20, maxRatio: 2000))
        #expect(applied.size > 16 << 20)
        #expect((try FileManager.default.attributesOfItem(atPath: root + "/zeros")[.size] as? Int) == 16 << 20)
    }
}
