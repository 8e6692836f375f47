/// Where Berth's shim (`containerd-shim-berth-v1`) serves a task: one socket per daemon address, namespace and
/// task, as containerd derives `/run/containerd/s/<sha256>`; a short path, whatever the bundle's length. The
/// shim's `start` and berthd (which does that `start` itself) both name it here.
public enum BerthShimSocket {
    public static let directory = "/run/berth/s"

    public static func path(address: String, namespace: String, id: String) -> String {
        "\(directory)/\(hash(address + "\u{0}" + namespace + "\u{0}" + id))"
    }

    /// A 128-bit FNV-1a digest in hex: stable socket names without pulling a hashing library into the shim.
    static func hash(_ text: String) -> String {
        var high: UInt64 = 0xcbf2_9ce4_8422_2325
        var low: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in text.utf8 {
            high = (high ^ UInt64(byte)) &* 0x100_0000_01b3
            low = (low ^ UInt64(byte)) &* 0x100_0000_01b3 ^ (low >> 29)
        }
        return hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
