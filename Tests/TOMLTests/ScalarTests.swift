import Testing
import TOML

@Suite struct StringTests {
    @Test func basicEscapes() {
        #expect(value(#"v = "a\tb\n\"q\" \\ \u00E9 \U0001F600 \b\f\r""#) == .string("a\tb\n\"q\" \\ é 😀 \u{8}\u{C}\r"))
    }
    @Test func invalidEscapes() {
        #expect(fails(#"v = "\x41""#))
        #expect(fails(#"v = "\uD800""#))  // surrogate
        #expect(fails(#"v = "\U00110000""#))  // beyond Unicode
        #expect(fails(#"v = "\u12""#))
    }
    @Test func literal() {
        #expect(value(#"v = 'C:\path\n'"#) == .string(#"C:\path\n"#))
    }
    @Test func multilineBasic() {
        #expect(value("v = \"\"\"\nline1\nline2\"\"\"") == .string("line1\nline2"))
        #expect(value("v = \"\"\"\r\nab\r\ncd\"\"\"") == .string("ab\ncd"))
        #expect(value("v = \"\"\"a \\\n    b \\   \n\n  c\"\"\"") == .string("a b c"))
        #expect(value("v = \"\"\"two \"\" quotes\"\"\"") == .string("two \"\" quotes"))
        #expect(value("v = \"\"\"end\"\"\"\"\"") == .string("end\"\""))
        #expect(fails("v = \"\"\"end\"\"\"\"\"\""))
    }
    @Test func multilineLiteral() {
        #expect(value("v = '''\nraw \\n ''keep'''") == .string("raw \\n ''keep"))
        #expect(value("v = ''''x'''") == .string("'x"))
    }
    @Test func unterminatedAndControl() {
        #expect(fails("v = \"abc"))
        #expect(fails("v = \"abc\nd\""))
        #expect(fails("v = 'abc"))
        #expect(fails("v = \"\"\"abc"))
        #expect(fails("v = '''abc''"))
        #expect(fails("v = \"a\u{01}b\""))
        #expect(fails("v = 'a\u{7F}'"))
        #expect(value("v = \"tab\there\"") == .string("tab\there"))
    }
}

@Suite struct NumberTests {
    @Test func integers() {
        #expect(value("v = 42") == .integer(42))
        #expect(value("v = +17") == .integer(17))
        #expect(value("v = -1_000_000") == .integer(-1_000_000))
        #expect(value("v = 0") == .integer(0))
        #expect(value("v = -0") == .integer(0))
        #expect(value("v = 0xDEAD_beef") == .integer(0xDEAD_BEEF))
        #expect(value("v = 0o755") == .integer(0o755))
        #expect(value("v = 0b1101") == .integer(13))
        #expect(value("v = 9223372036854775807") == .integer(.max))
        #expect(value("v = -9223372036854775808") == .integer(.min))
        #expect(value("v = 42")?.int == 42)
    }
    @Test func invalidIntegers() {
        for bad in ["01", "1__2", "_1", "1_", "+0x1", "0x", "0xG", "0o8", "0b2", "9223372036854775808",
                    "-9223372036854775809", "0x8000000000000000", "1 2", "--1", "0X1"] {
            #expect(fails("v = \(bad)"), "\(bad)")
        }
    }
    @Test func floats() {
        #expect(value("v = 3.1415") == .float(3.1415))
        #expect(value("v = -0.01") == .float(-0.01))
        #expect(value("v = 5e+22") == .float(5e22))
        #expect(value("v = 1E06") == .float(1e6))
        #expect(value("v = -2E-2") == .float(-2e-2))
        #expect(value("v = 6.626e-34") == .float(6.626e-34))
        #expect(value("v = 224_617.445_991") == .float(224_617.445_991))
        #expect(value("v = inf") == .float(.infinity))
        #expect(value("v = -inf") == .float(-.infinity))
        #expect(value("v = +nan")?.double?.isNaN == true)
        #expect(value("v = 1.5")?.int == nil)
    }
    @Test func invalidFloats() {
        for bad in [".7", "7.", "3.e+20", "1e", "1._5", "01.5", "1.5_", "infinity", "NaN", "1e_5", "1.2.3", "1e400"] {
            #expect(fails("v = \(bad)"), "\(bad)")
        }
    }
    @Test func booleans() {
        #expect(value("v = true") == .boolean(true))
        #expect(value("v = false")?.bool == false)
        #expect(fails("v = True"))
        #expect(fails("v = truex"))
    }
}

@Suite struct DateTimeTests {
    @Test func valid() {
        for ok in ["1979-05-27T07:32:00Z", "1979-05-27T00:32:00-07:00", "1979-05-27T00:32:00.999999-07:00",
                   "1979-05-27 07:32:00Z", "1979-05-27T07:32:00", "1979-05-27", "07:32:00", "00:32:00.999999",
                   "2024-02-29", "2000-02-29", "1990-12-31T23:59:60Z"] {
            #expect(value("v = \(ok)") == .dateTime(ok), "\(ok)")
        }
    }
    @Test func invalid() {
        for bad in ["1979-13-27", "1979-02-30", "2023-02-29", "1900-02-29", "1979-05-27T24:00:00",
                    "1979-05-27T07:60:00", "1979-05-27T07:32:61", "07:32", "1979-05-27T07:32:00+25:00",
                    "1979-05-27X07:32:00", "1979-5-27", "07:32:00.", "1979-05-27T07:32:00Zjunk"] {
            #expect(fails("v = \(bad)"), "\(bad)")
        }
    }
}
