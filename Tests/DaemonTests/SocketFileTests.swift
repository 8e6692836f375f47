import BerthCore
import Foundation
import Testing

@testable import Daemon

@Suite struct SocketFileTests {
    @Test func staleSocketIsRemovedButALiveOneIsNot() throws {
        let dir = "/tmp/berth-sock-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/s.sock"
        try SocketFile.prepare(path)  // creates the folder

        let listener = try Self.bindUnixSocket(path)
        #expect(throws: BerthError.self) { try SocketFile.prepare(path) }
        close(listener)  // the file stays behind, as after a crash
        #expect(FileManager.default.fileExists(atPath: path))
        try SocketFile.prepare(path)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aRegularFileInTheWayIsAnError() throws {
        let path = "/tmp/berth-notsock-\(UUID().uuidString.prefix(8))"
        _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: BerthError.self) { try SocketFile.prepare(path) }
        #expect(FileManager.default.fileExists(atPath: path))
    }

    static func bindUnixSocket(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else { throw BerthError.unavailable("bind failed") }
        return fd
    }
}
