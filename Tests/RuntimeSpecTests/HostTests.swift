import Foundation
import Testing

@testable import RuntimeSpec

@Suite("Host capabilities and devices")
struct HostTests {
    @Test("capability names by bit, and CapEff of a status file")
    func capabilities() throws {
        #expect(HostCapabilities.known.count == 41)
        #expect(HostCapabilities.names(bitmap: 0b1_0000_0001) == ["CAP_CHOWN", "CAP_SETPCAP"])
        #expect(HostCapabilities.names(bitmap: .max) == HostCapabilities.known)
        let directory = try TemporaryDirectory()
        let status = try directory.write("status", "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t00000000a80425fb\n")
        #expect(try HostCapabilities.current(statusFile: status.path) == DefaultSpec.capabilities.sorted {
            HostCapabilities.known.firstIndex(of: $0) ?? 0 < HostCapabilities.known.firstIndex(of: $1) ?? 0
        })
    }

    @Test("host devices: device nodes only, none from pts or shm, /dev/null as 1:3")
    func devices() throws {
        let devices = try HostDevices.devices()
        #expect(devices.allSatisfy { $0.type == "c" || $0.type == "b" })
        #expect(!devices.contains { $0.path.hasPrefix("/dev/pts/") || $0.path.hasPrefix("/dev/shm/") || $0.path == "/dev/console" })
        let null = try #require(devices.first { $0.path == "/dev/null" })
        #expect(null.major == 1 && null.minor == 3 && null.fileMode == 0o666)
        #expect(try HostDevices.device(at: "/etc/hostname") == nil)
    }
}
