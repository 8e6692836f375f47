import FuzzSupport
import Foundation
import Testing

@testable import RuntimeSpec

/// Bounded, seeded random-input tests for decoding config.json: mutated specs decode or throw, never crash
/// or hang; what decodes re-encodes stably; deep nesting is an error, not a stack overflow.
@Suite("Spec decoding fuzzing")
struct SpecFuzzTests {

    /// A hand-written config.json touching most sections, and the default spec as Berth writes it.
    static let handWritten = #"""
        {"ociVersion":"1.0.2","process":{"terminal":true,"user":{"uid":1,"gid":2,"additionalGids":[3]},
         "args":["sh","-c","echo hi"],"env":["A=b"],"cwd":"/","capabilities":{"bounding":["CAP_KILL"]},
         "rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"noNewPrivileges":true,"oomScoreAdj":-5},
         "root":{"path":"rootfs","readonly":true},"hostname":"h",
         "mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","ro"]}],
         "hooks":{"prestart":[{"path":"/bin/true","args":["true"],"env":["X=1"],"timeout":3}]},
         "annotations":{"k":"v"},
         "linux":{"uidMappings":[{"containerID":0,"hostID":1000,"size":1}],
          "resources":{"devices":[{"allow":false,"access":"rwm"}],"memory":{"limit":1048576,"swappiness":10},
           "cpu":{"shares":512,"quota":-1,"period":100000,"cpus":"0-1"},"pids":{"limit":10},
           "blockIO":{"weight":10,"throttleReadBpsDevice":[{"major":8,"minor":0,"rate":1}]},
           "hugepageLimits":[{"pageSize":"2MB","limit":0}]},
          "namespaces":[{"type":"pid"},{"type":"network","path":"/proc/1/ns/net"}],
          "devices":[{"path":"/dev/null","type":"c","major":1,"minor":3,"fileMode":438}],
          "seccomp":{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],
           "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}]},
          "maskedPaths":["/proc/kcore"],"readonlyPaths":["/proc/sys"],"cgroupsPath":"/berth/c","sysctl":{"a.b":"1"}}}
        """#

    static func mutate(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        Mutation(specials: "{}[]\":,0-9e.\\nulltruefalse", rounds: 1...6, maxTruncation: 60, maxDuplicate: 200).apply(seed, &rng)
    }

    @Test func mutatedSpecsDecodeOrThrowAndReencodeStably() throws {
        var rng = SplitMix64(state: 0x5BEC)
        let seeds = [
            Array(Self.handWritten.utf8),
            Array(try DefaultSpec.linux(namespace: "default", containerID: "c").jsonData()),
        ]
        _ = try Spec.decode(Data(seeds[0]))
        let iterations = 1500
        var rejected = 0
        for i in 0..<iterations {
            let bytes: [UInt8] = i % 5 == 0
                ? (0..<Int.random(in: 0...256, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                : Self.mutate(seeds[i % 2], &rng)
            _ = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
            guard let spec = try? Spec.decode(Data(bytes)) else {
                rejected += 1
                continue
            }
            // Encoding is stable after one pass (decode drops nothing it wrote itself).
            let first = try spec.jsonData()
            let second = try? Spec.decode(first).jsonData()
            #expect(second == first, "iteration \(i): \(String(decoding: bytes, as: UTF8.self))")
        }
        print("fuzz specDecoding: \(iterations) inputs, \(rejected) rejected")
    }

    @Test(arguments: ["[", "{\"linux\":", "{\"annotations\":{\"a\":", "{\"linux\":{\"seccomp\":{\"syscalls\":["])
    func deeplyNestedSpecIsAnErrorNotAStackOverflow(prefix: String) {
        let bytes = Data((prefix + String(repeating: "[", count: 100_000)).utf8)
        #expect(throws: (any Error).self) { try Spec.decode(bytes) }
        #expect(throws: (any Error).self) { try JSONDecoder().decode(JSONValue.self, from: bytes) }
        print("fuzz deeplyNestedSpec \(prefix): 2 inputs, 2 rejected")
    }
}
