import BerthCore
import Foundation

/// A fresh directory for `body`, removed afterwards whether `body` succeeds or throws.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    var template = Array((NSTemporaryDirectory() + "/distribution-test-XXXXXX").utf8CString)
    guard let pointer = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
        throw BerthError(.unknown, "mkdtemp failed")
    }
    let path = String(cString: pointer)
    do {
        let result = try await body(path)
        try? FileManager.default.removeItem(atPath: path)
        return result
    } catch {
        try? FileManager.default.removeItem(atPath: path)
        throw error
    }
}

func writeFile(_ path: String, _ text: String) throws {
    try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}
