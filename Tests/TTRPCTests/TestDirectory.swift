import Foundation

/// A short-named temporary directory (unix socket paths are limited to 108 bytes), removed by remove().
struct TestDirectory {
    let path: String

    init(_ prefix: String = "ttrpc") throws {
        path = "/tmp/\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
