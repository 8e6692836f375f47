import BerthCore
import Foundation
import Testing

@testable import Runtime

@Suite struct RuntimeBinaryTests {
    let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("berth-runtime-\(UUID().uuidString)").path
        for sub in ["a", "b", "daemon"] {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(sub)", withIntermediateDirectories: true)
        }
    }

    func makeFile(_ path: String, mode: Int) throws {
        #expect(FileManager.default.createFile(atPath: path, contents: Data("#!/bin/sh\n".utf8)))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    @Test func theFirstExecutableOnThePathWinsThenTheDaemonsFolder() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let name = "containerd-shim-runc-v2"
        try FileManager.default.createDirectory(atPath: "\(folder)/a/\(name)", withIntermediateDirectories: true)
        try makeFile("\(folder)/b/\(name)", mode: 0o644)
        try makeFile("\(folder)/daemon/\(name)", mode: 0o755)
        let path = "\(folder)/missing::\(folder)/a:\(folder)/b"
        // A directory and a file without the execute bit are passed over.
        #expect(try RuntimeBinary.resolve("io.containerd.runc.v2", searchPath: path, daemonDirectory: "\(folder)/daemon")
            == "\(folder)/daemon/\(name)")
        try makeFile("\(folder)/b/\(name)-x", mode: 0o755)
        try FileManager.default.removeItem(atPath: "\(folder)/b/\(name)")
        try makeFile("\(folder)/b/\(name)", mode: 0o755)
        #expect(try RuntimeBinary.resolve("io.containerd.runc.v2", searchPath: path, daemonDirectory: "\(folder)/daemon")
            == "\(folder)/b/\(name)")
    }

    @Test func absolutePathsAndBadNames() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try makeFile("\(folder)/a/shim", mode: 0o755)
        #expect(try RuntimeBinary.resolve("\(folder)/a/shim", searchPath: "", daemonDirectory: nil) == "\(folder)/a/shim")
        #expect(throws: BerthError.self) { try RuntimeBinary.resolve("\(folder)/a", searchPath: "", daemonDirectory: nil) }
        #expect(throws: BerthError.self) { try RuntimeBinary.resolve("runc", searchPath: "", daemonDirectory: nil) }
        #expect(throws: BerthError.self) {
            try RuntimeBinary.resolve("io.containerd.none.v9", searchPath: "\(folder)/a", daemonDirectory: nil)
        }
    }
}
