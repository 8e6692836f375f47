import Testing
import TOML

@Suite struct KeyTests {
    @Test func bareQuotedDotted() throws {
        let t = try TOMLTable(parsing: """
            bare_key-1 = 1
            "quoted key" = 2
            'literal.key' = 3
            a . b."c.d" = 4
            1234 = 5
            """)
        #expect(t.keys == ["bare_key-1", "quoted key", "literal.key", "a", "1234"])
        #expect(t.at("a", "b", "c.d") == .integer(4))
    }
    @Test func invalidKeys() {
        #expect(fails("= 1"))
        #expect(fails("a b = 1"))
        #expect(fails("a. = 1"))
        #expect(fails("a = "))
        #expect(fails("é = 1"))
        #expect(fails("\"\"\"k\"\"\" = 1"))
        #expect(fails("a = 1\na = 2"))
        #expect(fails("a.b = 1\na.b = 2"))
        #expect(fails("a = 1\na.b = 2"))
    }
    @Test func orderPreserved() throws {
        let t = try TOMLTable(parsing: "z = 1\n[m]\nq.y = 1\nq.a = 2\nb = 3\n[a]\n[c.d]\n")
        #expect(t.keys == ["z", "m", "a", "c"])
        #expect(t.at("m")?.table?.keys == ["q", "b"])
        #expect(t.at("m", "q")?.table?.keys == ["y", "a"])
    }
}

@Suite struct TableTests {
    @Test func headers() throws {
        let t = try TOMLTable(parsing: "[a.\"b\".c]\nx = 1\n[ d . e ]\ny = 2")
        #expect(t.at("a", "b", "c", "x") == .integer(1))
        #expect(t.at("d", "e", "y") == .integer(2))
    }
    @Test func superTableAfterSubTable() throws {
        let t = try TOMLTable(parsing: "[x.y.z]\n[x]\nw = 1")
        #expect(t.at("x", "w") == .integer(1))
    }
    @Test func subTableOfDottedTable() throws {
        let t = try TOMLTable(parsing: "[fruit]\napple.color = 'red'\n[fruit.apple.texture]\nsmooth = true")
        #expect(t.at("fruit", "apple", "texture", "smooth") == .boolean(true))
    }
    @Test func redefinitions() {
        #expect(fails("[a]\n[a]"))
        #expect(fails("[a]\nb = 1\n[a.b]"))
        #expect(fails("[a.b]\n[a]\nb = 1"))
        #expect(fails("a.b = 1\n[a]"))
        #expect(fails("[fruit]\napple.color = 'red'\n[fruit.apple]"))
        #expect(fails("[a.b.c]\nz = 9\n[a]\nb.c.t = 1"))
        #expect(fails("a = {}\n[a]"))
        #expect(fails("a = {x = 1}\n[a.b]"))
        #expect(fails("a = {x = 1}\na.y = 2"))
        #expect(fails("a = [1]\n[[a]]"))
        #expect(fails("[[a]]\n[a]"))
        #expect(fails("[a]\n[[a]]"))
        #expect(fails("[]"))
        #expect(fails("[a"))
        #expect(fails("[a]]"))
        #expect(fails("[[a]"))
    }
    @Test func arrayOfTables() throws {
        let t = try TOMLTable(parsing: """
            [[fruits]]
            name = "apple"
            [fruits.physical]
            color = "red"
            [[fruits.varieties]]
            name = "red delicious"
            [[fruits.varieties]]
            name = "granny smith"
            [[fruits]]
            name = "banana"
            """)
        let fruits = try #require(t["fruits"]?.array)
        #expect(fruits.count == 2)
        #expect(fruits[0].table?["physical"]?.table?["color"] == .string("red"))
        #expect(fruits[0].table?["varieties"]?.array?.count == 2)
        #expect(fruits[1].table?["name"] == .string("banana"))
    }
    @Test func trailingContent() {
        #expect(fails("a = 1 b = 2"))
        #expect(fails("[a] b = 1"))
        #expect(value("v = 1 # comment") == .integer(1))
        #expect(fails("# bad \u{01} comment"))
        #expect(fails("a = 1\r b = 2"))
        #expect(value("a = 1\r\nv = 2\r\n") == .integer(2))
    }
}

@Suite struct ContainerTests {
    @Test func arrays() {
        #expect(value("v = [1, 2, \"mixed ok in 1.0\"]") == .array([.integer(1), .integer(2), .string("mixed ok in 1.0")]))
        #expect(value("v = [\n  1, # one\n  2,\n]") == .array([.integer(1), .integer(2)]))
        #expect(value("v = []") == .array([]))
        #expect(value("v = [[1], [\"a\"]]") == .array([.array([.integer(1)]), .array([.string("a")])]))
        #expect(fails("v = [1,,2]"))
        #expect(fails("v = [,]"))
        #expect(fails("v = [1 2]"))
        #expect(fails("v = [1, 2"))
    }
    @Test func inlineTables() throws {
        let v = try #require(value("v = { a = 1, b.c = \"x\", d = {} }")?.table)
        #expect(v.keys == ["a", "b", "d"])
        #expect(v.at("b", "c") == .string("x"))
        #expect(fails("v = { a = 1, }"))
        #expect(fails("v = { a = 1\n}"))
        #expect(fails("v = { a = 1, a = 2 }"))
        #expect(fails("v = { a.b = 1, a = 2 }"))
        #expect(fails("v = { a = 1"))
        #expect(fails("v = { a = 1 b = 2 }"))
    }
}

@Suite struct ErrorTests {
    @Test func bracketParenDoesNotCrash() {
        let e = error("[(")
        #expect(e != nil)
        #expect(e?.line == 1)
        #expect(e?.column == 2)
    }
    @Test func lineAndColumn() throws {
        let e = try #require(error("a = 1\nb = 2\nc = ☃ 3"))
        #expect(e.line == 3)
        #expect(e.column == 5)
        #expect(e.description.hasPrefix("line 3, column 5: "))
        let dup = try #require(error("x = 1\n  x = 2"))
        #expect(dup.line == 2 && dup.column == 3)
        let col = try #require(error("s = \"é\" junk"))
        #expect(col.column == 9)
    }
    @Test func typeNames() {
        #expect(TOMLValue.dateTime("07:00:00").typeName == "datetime")
        #expect(TOMLValue.table(TOMLTable()).typeName == "table")
        #expect(TOMLTable().isEmpty)
    }
    @Test func deepNesting() {
        let n = 100_000
        #expect(fails("v = " + String(repeating: "[", count: n) + String(repeating: "]", count: n)))
        #expect(fails(String(repeating: "[", count: n)))
        #expect(fails("v = " + String(repeating: "{a=", count: n) + "1" + String(repeating: "}", count: n)))
        #expect(fails("[" + Array(repeating: "a", count: n).joined(separator: ".") + "]"))
        #expect(fails(Array(repeating: "a", count: n).joined(separator: ".") + " = 1"))
        #expect(value("v = " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) != nil)
    }
}
