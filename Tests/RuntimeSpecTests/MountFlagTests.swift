import Testing

@testable import RuntimeSpec

@Suite("ctr --mount flags")
struct MountFlagTests {
    @Test("keys and their aliases; options split at colons")
    func parse() throws {
        #expect(try Spec.Mount(mountFlag: "type=bind,src=/a,dst=/b,options=rbind:ro")
            == Spec.Mount(destination: "/b", type: "bind", source: "/a", options: ["rbind", "ro"]))
        #expect(try Spec.Mount(mountFlag: "type=tmpfs,source=tmpfs,destination=/t,options=size=64m")
            == Spec.Mount(destination: "/t", type: "tmpfs", source: "tmpfs", options: ["size=64m"]))
        #expect(try Spec.Mount(mountFlag: "dst=/x") == Spec.Mount(destination: "/x"))
        #expect(try Spec.Mount(mountFlag: "options=").options == [""])  // strings.Split("", ":") is [""]
    }

    @Test("CSV quoting, as encoding/csv reads it")
    func quoting() throws {
        #expect(try Spec.Mount(mountFlag: #""src=/a,b",dst=/c"#).source == "/a,b")
        #expect(try Spec.Mount(mountFlag: #""src=""#).source == "")
        #expect(try Spec.Mount(mountFlag: #""src=say ""hi""",dst=/d"#).source == #"say "hi""#)
        #expect(throws: SpecError.self) { try Spec.Mount(mountFlag: #"src=a"b"#) }
        #expect(throws: SpecError.self) { try Spec.Mount(mountFlag: #""src=a"x"#) }
        #expect(throws: SpecError.self) { try Spec.Mount(mountFlag: #""src=a"#) }
    }

    @Test("errors carry ctr's messages")
    func errors() {
        #expect(throws: SpecError.invalidMount("invalid mount specification: expected key=val")) {
            try Spec.Mount(mountFlag: "type=bind,/a")
        }
        #expect(throws: SpecError.invalidMount("mount option \"mode\" not supported")) {
            try Spec.Mount(mountFlag: "mode=ro")
        }
        #expect(throws: SpecError.invalidMount("EOF")) { try Spec.Mount(mountFlag: "") }
    }
}
