import FuzzSupport
import Testing
import BerthCore

/// Bounded, seeded random-input tests for BerthCore's parsers of client input: filters, identifiers,
/// labels, field paths and digests. Each must give a value or throw `BerthError`, never crash or hang.
struct BerthCoreFuzzTests {

    /// Characters the filter grammar gives meaning to, plus a few that it must reject.
    private static let filterAlphabet: [Character] = Array(
        "abcxyzAZ09._-/ =!~,\"'|\\`[](){}*+?^$:\u{0}\n\t\u{7F}牛🐳\u{FFFD}")

    private static let filterSeeds = [
        "name==foo", #"labels."com.example.key"!=bar"#, "topic~=|^/tasks/|", "labels.foo",
        "name~=/a+b/,labels.x==y", #"name=="\x41\u00e9\101""#, "target.digest~=^sha256:", "a==b,c!=d,e",
    ]

    private static func randomString(_ rng: inout SplitMix64, alphabet: [Character], maxLength: Int) -> String {
        String((0..<Int.random(in: 0...maxLength, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }

    private static let mutation = Mutation(specials: "=!~,\"|/\\.", rounds: 1...4)
    private static func mutate(_ seed: String, _ rng: inout SplitMix64) -> String { mutation.apply(seed, &rng) }

    /// Runs `body`; true when it threw `BerthError.invalidArgument`, records an issue for any other error.
    private static func rejected(_ input: String, _ body: () throws -> Void) -> Bool {
        do {
            try body()
            return false
        } catch let error as BerthError {
            #expect(error.kind == .invalidArgument, "input \(String(reflecting: input)): \(error)")
            return true
        } catch {
            Issue.record("input \(String(reflecting: input)) threw a non-Berth error: \(error)")
            return true
        }
    }

    @Test func filterParsingGivesFilterOrInvalidArgument() {
        var rng = SplitMix64(state: 0xF117_E500)
        let adaptor = DictionaryFilterAdaptor(fields: ["name": "foo", "topic": "/tasks/exit"], labels: ["x": "y", "a.b": "1"])
        let iterations = 4000
        var rejected = 0
        for i in 0..<iterations {
            let input = i.isMultiple(of: 2)
                ? Self.randomString(&rng, alphabet: Self.filterAlphabet, maxLength: 40)
                : Self.mutate(Self.filterSeeds.randomElement(using: &rng)!, &rng)
            if Self.rejected(input, { _ = try Filter.parse(input).matches(adaptor) }) { rejected += 1 }
        }
        // parseAll over a few expressions: accepted only when each one parses alone.
        for _ in 0..<500 {
            let inputs = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                Self.mutate(Self.filterSeeds.randomElement(using: &rng)!, &rng)
            }
            let eachParses = inputs.allSatisfy { (try? Filter.parse($0)) != nil }
            let allParse = (try? Filter.parseAll(inputs)) != nil
            #expect(eachParses == allParse, "parseAll \(inputs)")
        }
        print("fuzz filterParsing: \(iterations + 500) inputs, \(rejected) rejected")
    }

    @Test func deeplyRepeatedFilterInputIsHandled() {
        // Long inputs must not overflow the stack or take quadratic-exponential time.
        let long = [
            String(repeating: "a==b,", count: 20_000) + "a==b",
            String(repeating: "\"", count: 50_000),
            "labels." + String(repeating: "a.", count: 50_000) + "b==c",
            "name~=" + String(repeating: "(", count: 10_000),
            "name==" + String(repeating: "\\", count: 50_000),
        ]
        var rejected = 0
        for input in long where Self.rejected(input, { _ = try Filter.parse(input) }) { rejected += 1 }
        print("fuzz deeplyRepeatedFilterInput: \(long.count) inputs, \(rejected) rejected")
    }

    @Test func identifierValidationAgreesWithItsPattern() {
        var rng = SplitMix64(state: 0x1DE7)
        let alphabet: [Character] = Array("aZ09._- /:é🐳\u{0}")
        let pattern = try! Regex(Identifiers.pattern)
        let iterations = 5000
        var rejected = 0
        for i in 0..<iterations {
            let input = i.isMultiple(of: 2)
                ? Self.randomString(&rng, alphabet: alphabet, maxLength: 90)
                : Self.mutate("container.system-75-f19a.00", &rng)
            let valid = (try? pattern.wholeMatch(in: input)) != nil && input.utf8.count <= Identifiers.maxLength
            let threw = Self.rejected(input) { try Identifiers.validate(input) }
            #expect(threw == !valid, "identifier \(String(reflecting: input))")
            if threw { rejected += 1 }
        }
        print("fuzz identifierValidation: \(iterations) inputs, \(rejected) rejected")
    }

    @Test func labelValidationRejectsOnlyOversizedLabels() {
        var rng = SplitMix64(state: 0x1ABE1)
        let iterations = 2000
        var rejected = 0
        for _ in 0..<iterations {
            let key = String(repeating: "k", count: Int.random(in: 0...4200, using: &rng))
            let value = Self.mutate(String(repeating: "v", count: Int.random(in: 0...4200, using: &rng)), &rng)
            let threw = Self.rejected(key) { try Labels.validate(key: key, value: value) }
            #expect(threw == (key.utf8.count + value.utf8.count > 4096), "key \(key.utf8.count) value \(value.utf8.count) bytes")
            if threw { rejected += 1 }
        }
        print("fuzz labelValidation: \(iterations) inputs, \(rejected) rejected")
    }

    @Test func fieldPathsNeverCrash() {
        var rng = SplitMix64(state: 0xF1E1D)
        let alphabet: [Character] = Array("labels.\"a\\b,=x牛")
        let iterations = 5000
        for _ in 0..<iterations {
            let path = Self.randomString(&rng, alphabet: alphabet, maxLength: 30)
            let parts = FieldPaths.split(path)
            _ = FieldPaths.apply(labels: ["a": "1", "labels": "2"], update: ["a": "3", "b": ""], paths: [path] + parts)
        }
        print("fuzz fieldPaths: \(iterations) inputs, 0 rejected")
    }

    @Test func digestParsingRoundTripsOrRejects() {
        var rng = SplitMix64(state: 0xD16E57)
        let valid = "sha256:" + String(repeating: "0123456789abcdef", count: 4)
        let alphabet: [Character] = Array("sha256:0123456789abcdefABCDEF+.-_=")
        let iterations = 10_000
        var rejected = 0
        for i in 0..<iterations {
            let input = i.isMultiple(of: 2)
                ? Self.randomString(&rng, alphabet: alphabet, maxLength: 140)
                : Self.mutate(valid, &rng)
            var parsed: Digest?
            if Self.rejected(input, { parsed = try Digest(parsing: input) }) {
                rejected += 1
            } else if let parsed {
                #expect(parsed.description == input, "digest \(String(reflecting: input))")
            }
        }
        print("fuzz digestParsing: \(iterations) inputs, \(rejected) rejected")
    }
}
