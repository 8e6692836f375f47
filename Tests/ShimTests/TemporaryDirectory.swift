import Glibc
@testable import Shim

/// A fresh directory under /tmp, removed (with what the test left in it) by remove().
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/berth-shim-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ShimError(.unknown, "mkdtemp failed") }
        path = String(cString: made)
    }

    func remove() {
        let pid = try? ChildSpawn(executable: "/bin/rm", arguments: ["-rf", path], descriptors: [0, 1, 2]).spawn()
        if let pid { _ = ChildSpawn.wait(pid) }
    }
}
