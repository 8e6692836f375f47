import Foundation
import Testing

@testable import Runtime

@Suite struct TaskBundleTests {
    static let mapped = #"{"linux":{"gidMappings":[{"containerID":1,"hostID":7,"size":1},{"containerID":0,"hostID":100000,"size":65536}]}}"#

    @Test func theRemappedRootGIDIsTheHostIDOfContainerGIDZero() {
        #expect(TaskBundle.remappedRootGID(spec: Data(Self.mapped.utf8)) == 100000)
    }

    @Test func aKeySpelledWithUnicodeEscapesStillCounts() {
        let escaped = Self.mapped.replacingOccurrences(of: "gidMappings", with: #"gid\u004dappings"#)
        #expect(TaskBundle.remappedRootGID(spec: Data(escaped.utf8)) == 100000)
    }

    @Test(arguments: [#"{"linux":{"uidMappings":[{"containerID":0,"hostID":5,"size":1}]}}"#, "{}", "not json", ""])
    func specsWithoutGIDMappingsHaveNone(_ spec: String) {
        #expect(TaskBundle.remappedRootGID(spec: Data(spec.utf8)) == nil)
    }
}
