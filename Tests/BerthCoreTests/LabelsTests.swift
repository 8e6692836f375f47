import Testing
import BerthCore

struct LabelsTests {
    @Test func acceptsUpToTheLimit() throws {
        try Labels.validate(key: "k", value: String(repeating: "v", count: 4095))
        try Labels.validate(key: "", value: "")
        try Labels.validate(key: String(repeating: "k", count: 4096), value: "")
    }

    @Test func rejectsOverTheLimitShowingTenBytesOfKey() {
        #expect(throws: BerthError.invalidArgument(
            "label key and value greater than maximum size (4096 bytes), key: containerd")) {
            try Labels.validate(key: "containerd.io/gc.ref.content", value: String(repeating: "v", count: 4096))
        }
        #expect(throws: BerthError.invalidArgument(
            "label key and value greater than maximum size (4096 bytes), key: k")) {
            try Labels.validate(key: "k", value: String(repeating: "v", count: 4096))
        }
    }

    @Test func sizeCountsBytes() throws {
        try Labels.validate(key: "k", value: String(repeating: "é", count: 2047))
        #expect(throws: BerthError.self) {
            try Labels.validate(key: "kk", value: String(repeating: "é", count: 2048))
        }
    }

    @Test func validatesEveryLabelInKeyOrder() throws {
        let big = String(repeating: "v", count: 4096)
        try Labels.validate(["a": "1", "b": "2"])
        try Labels.validate([:])
        #expect(throws: BerthError.invalidArgument(
            "label key and value greater than maximum size (4096 bytes), key: alpha")) {
            try Labels.validate(["zulu": big, "alpha": big, "ok": "fine"])
        }
    }
}
