import Testing
@testable import Shim

@Suite struct RuncOutputTests {
    @Test func lastErrorOfAJSONLog() {
        let log = """
            {"level":"info","msg":"starting","time":"2024-01-01T00:00:00Z"}
            {"level":"error","msg":"first","time":"2024-01-01T00:00:00Z"}
            {"level":"error","msg":"runc create failed: exec: \\"/nonexistent\\": stat: no such file\\nmore","time":"x"}
            {"level":"warning","msg":"later warning","time":"x"}

            """
        #expect(RuncOutput.lastError(inLog: Array(log.utf8))
            == "runc create failed: exec: \"/nonexistent\": stat: no such file\nmore")
        #expect(RuncOutput.lastError(inLog: Array("{\"level\":\"info\",\"msg\":\"x\"}".utf8)) == nil)
    }

    @Test func crunStyleSpacingAndUnicodeEscapes() {
        #expect(RuncOutput.stringValue(of: "msg", in: "{\"msg\": \"caf\\u00e9\", \"level\": \"error\"}") == "café")
        #expect(RuncOutput.stringValue(of: "msg", in: "{\"message\":\"no\"}") == nil)
    }

    @Test func pidsFromPs() {
        #expect(RuncOutput.pids(Array("[1234,1240]\n".utf8)) == [1234, 1240])
        #expect(RuncOutput.pids(Array("null\n".utf8)) == [])
    }
}
