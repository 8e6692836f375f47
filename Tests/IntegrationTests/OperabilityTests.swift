import Foundation
import Testing

/// Operability (issue 9): the systemd unit and install script, shell completions, `--help` on every command,
/// and the command reference in docs/cli, which must match what the binaries say.
@Suite struct OperabilityTests {
    static let repo = Binaries.packageRoot.path

    static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        let settings = environment.map { "\($0.key)=\($0.value)" }
        return try Command.run(URL(fileURLWithPath: "/usr/bin/env"), settings + [tool] + arguments, timeout: 60)
    }

    /// scripts/install.sh stages the binaries, the unit, a default config and completions; systemd-analyze
    /// finds nothing wrong with the unit, and the staged config is one berthd loads without warnings.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
    func installedUnitVerifiesAndConfigLoads() throws {
        let stage = "/tmp/berth-install-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: stage) }
        let installed = try Self.run(
            Self.repo + "/scripts/install.sh", [],
            environment: ["DESTDIR": stage, "PREFIX": "/usr/local", "BERTH_BIN": Binaries.buildDirectory.path])
        #expect(installed.status == 0, "\(installed)")
        for file in [
            "/usr/local/bin/berthd", "/usr/local/bin/berth", "/usr/local/bin/containerd-shim-berth-v1",
            "/etc/systemd/system/berthd.service", "/etc/berth/config.toml",
            "/usr/share/bash-completion/completions/berth", "/usr/share/zsh/vendor-completions/_berth",
            "/usr/share/fish/vendor_completions.d/berth.fish", "/usr/local/share/doc/berth/cli/berth.md",
        ] {
            #expect(FileManager.default.fileExists(atPath: stage + file), "\(file) not installed")
        }
        // systemd-analyze checks ExecStart on this machine: point it at the staged binary.
        let unit = try String(contentsOfFile: stage + "/etc/systemd/system/berthd.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/berthd\n"), "\(unit)")
        try unit.replacingOccurrences(of: "ExecStart=/usr/local/bin/berthd", with: "ExecStart=\(stage)/usr/local/bin/berthd")
            .write(toFile: stage + "/berthd.service", atomically: true, encoding: .utf8)
        let verified = try Self.run("/usr/bin/systemd-analyze", ["verify", stage + "/berthd.service"])
        #expect(verified.status == 0 && verified.stderr.isEmpty, "\(verified)")
        let dump = try Self.run(stage + "/usr/local/bin/berthd", ["config", "dump", "--config", stage + "/etc/berth/config.toml"])
        #expect(dump.status == 0 && dump.stderr.isEmpty, "\(dump)")
        #expect(dump.stdout == (try? String(contentsOfFile: stage + "/etc/berth/config.toml", encoding: .utf8)))
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsGenerate(_ shell: String) throws {
        let script = try Command.run(Binaries.berth, ["--generate-completion-script", shell])
        #expect(script.status == 0 && script.stdout.contains("berth"), "\(script)")
        #expect(script.stdout.contains("snapshots") && script.stdout.contains("containers"))
        let interpreter = "/usr/bin/\(shell)"
        guard FileManager.default.isExecutableFile(atPath: interpreter) || shell == "bash" else { return }
        let file = "/tmp/berth-completion-\(UUID().uuidString.prefix(8)).\(shell)"
        try script.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let checked = try Command.run(URL(fileURLWithPath: shell == "bash" ? "/bin/bash" : interpreter), ["-n", file])
        #expect(checked.status == 0, "\(checked)")
    }

    /// Every command and subcommand of `berth` and `berthd` answers `--help` with its usage.
    @Test(arguments: ["berth", "berthd"])
    func everyCommandHasHelp(_ tool: String) throws {
        let binary = Binaries.buildDirectory.appendingPathComponent(tool)
        let dumped = try Command.run(binary, ["--experimental-dump-help"])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(dumped.stdout.utf8)) as? [String: Any])
        var paths: [[String]] = []
        func walk(_ command: [String: Any], _ path: [String]) {
            paths.append(path)
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                if let name = sub["commandName"] as? String, name != "help" { walk(sub, path + [name]) }
            }
        }
        walk(try #require(root["command"] as? [String: Any]), [])
        #expect(paths.count > (tool == "berth" ? 60 : 3), "\(paths)")
        for path in paths {
            let help = try Command.run(binary, path + ["--help"])
            #expect(help.status == 0 && help.stdout.contains("USAGE:"), "\(tool) \(path.joined(separator: " ")): \(help)")
        }
    }

    /// docs/cli is generated from the binaries' help: regenerated, it must be what is committed.
    @Test func cliReferenceIsCurrent() throws {
        let out = "/tmp/berth-docs-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let generated = try Command.run(
            URL(fileURLWithPath: "/usr/bin/python3"),
            [Self.repo + "/scripts/generate-cli-docs.py", Binaries.buildDirectory.path, out])
        #expect(generated.status == 0, "\(generated)")
        for tool in ["berth", "berthd"] {
            let fresh = try String(contentsOfFile: "\(out)/\(tool).md", encoding: .utf8)
            let committed = try String(contentsOfFile: "\(Self.repo)/docs/cli/\(tool).md", encoding: .utf8)
            #expect(fresh == committed, "docs/cli/\(tool).md is stale: run scripts/generate-cli-docs.py .build/debug")
        }
    }
}
