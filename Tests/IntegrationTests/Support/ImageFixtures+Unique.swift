import Foundation

extension ImageFixtures {
    /// A one-layer image whose layer no other image has (busybox plus `payloadBytes` of random data), pushed to
    /// `registry` as `repository:1`. For tests that need a pull to download and unpack, not share a layer.
    static func pushUniqueImage(to registry: LocalRegistry, repository: String, payloadBytes: Int = 2 << 20) throws {
        let directory = "/tmp/berth-unique-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let layout = directory + "/layout", bundle = directory + "/bundle"
        try run(umoci, ["init", "--layout", layout])
        try run(umoci, ["new", "--image", layout + ":1"])
        try run(umoci, ["unpack", "--image", layout + ":1", bundle])
        let bin = bundle + "/rootfs/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: busybox, toPath: bin + "/busybox")
        try FileManager.default.createSymbolicLink(atPath: bin + "/sh", withDestinationPath: "busybox")
        var generator = SystemRandomNumberGenerator()
        let payload = Data((0..<payloadBytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try payload.write(to: URL(fileURLWithPath: bundle + "/rootfs/payload"))
        try run(umoci, ["repack", "--image", layout + ":1", bundle])
        try run(umoci, ["config", "--image", layout + ":1", "--config.cmd", "sh"])
        try registry.push(layout: layout, tag: "1", to: repository + ":1")
    }
}
