import BerthCore
import Foundation
import FuzzSupport
import Testing

@testable import Distribution

/// hosts.toml files mutated from valid ones, or random bytes: `hosts(for:)` answers hosts or throws a
/// BerthError; nothing traps and no other error escapes.
@Suite struct HostsFileFuzzTests {
    static let seeds = [
        """
        server = "https://registry.example.com"

        [host."https://mirror.example.com"]
          capabilities = ["pull", "resolve"]
          ca = "ca.pem"
          skip_verify = false
          override_path = true
          client = [["/abs/client.cert", "client.key"]]
          [host."https://mirror.example.com".header]
            x-custom = "one"
            x-list = ["a", "b"]
        """,
        """
        [host."http://127.0.0.1:5000/v2/custom"]
          capabilities = ["pull", "resolve", "push"]
          skip_verify = true
        """,
        "server = \"http://plain.example.com:8080\"\nca = [\"a.pem\", \"b.pem\"]\n",
    ]

    @Test func mutatedHostsFilesGiveHostsOrBerthErrors() async throws {
        try await withTemporaryDirectory { root in
            let hosts = RegistryHosts(configDirectory: root)
            let mutation = Mutation(specials: "[]=\"'.#\n{},:/", rounds: 1...6)
            var rng = SplitMix64(state: 0x4057)
            var answered = 0, refused = 0
            for i in 0..<2_000 {
                let text = i.isMultiple(of: 4)
                    ? String(decoding: (0..<Int.random(in: 0...120, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, as: UTF8.self)
                    : mutation.apply(Self.seeds[Int.random(in: 0..<Self.seeds.count, using: &rng)], &rng)
                try writeFile(root + "/registry.example.com/hosts.toml", text)
                do {
                    let found = try hosts.hosts(for: "registry.example.com")
                    #expect(!found.isEmpty)
                    answered += 1
                } catch is BerthError {
                    refused += 1
                } catch {
                    Issue.record("\(String(reflecting: text)) threw a non-Berth error: \(error)")
                }
            }
            print("hosts.toml fuzz: 2000 files, \(answered) gave hosts, \(refused) refused")
        }
    }
}
