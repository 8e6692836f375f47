import BerthCore
import Foundation
import Testing

@Suite struct StateFileTests {
    @Test func writesReplacesAndReportsWhatFailed() throws {
        let directory = try TemporaryDirectory.make(prefix: "berth-statefile-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/address"

        try StateFile.write("unix:///run/a.sock", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "unix:///run/a.sock")
        // A shorter text truncates what was there.
        try StateFile.write("x", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "x")

        let spec = Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0) })
        try spec.withUnsafeBytes { try StateFile.write($0, to: directory + "/config.json") }
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/config.json")) == spec)

        try StateFile.replace("unix:///run/b.sock", at: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "unix:///run/b.sock")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["address", "config.json"])

        #expect(throws: BerthError.self) { try StateFile.replace("y", at: directory + "/missing/address") }
        do {
            try StateFile.write("y", to: directory + "/missing/address")
            Issue.record("a write into a missing folder succeeded")
        } catch let error as BerthError {
            #expect(error.message.contains("open \(directory)/missing/address: No such file or directory"))
        }
    }
}
