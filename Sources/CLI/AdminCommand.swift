import ArgumentParser
import BerthClient

/// `berth admin`: Berth's own maintenance commands (containerd's ctr has none of these).
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Maintenance of the daemon's stores.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check that the metadata and the stores on disk agree; exit 1 on any error.",
            discussion: """
                Finds records of blobs or snapshots whose files are gone, files and directories no record names, \
                snapshots on missing or uncommitted parents, and damage in the metadata database. Warnings \
                (an image whose target was never written, a container whose snapshot was removed) are allowed \
                through the API and do not fail the check.
                """)

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Hash every blob again (reads all content).") var verifyContent = false
        @Flag(name: .shortAndLong, help: "Print only the findings.") var quiet = false

        func run() async throws {
            let result = try await global.withClient { try await $0.checkConsistency(verifyContent: verifyContent) }
            if !result.findings.isEmpty {
                let rows = [["SEVERITY", "KIND", "NAMESPACE", "SUBJECT", "DETAIL"]]
                    + result.findings.map { [$0.severity, $0.kind, $0.namespace.isEmpty ? "-" : $0.namespace, $0.subject, $0.detail] }
                CommandOutput.write(CommandOutput.table(rows, padding: 3))
            }
            let errors = result.findings.filter { $0.severity == "error" }.count
            if !quiet {
                var checked = [
                    "\(result.namespaces) namespaces", "\(result.blobRecords) blob records", "\(result.blobFiles) blob files",
                    "\(result.snapshots) snapshots", "\(result.images) images", "\(result.containers) containers",
                    "\(result.leases) leases", "\(result.ingests) ingests",
                ]
                if verifyContent { checked.append("\(result.blobsVerified) blobs hashed") }
                CommandOutput.write("checked \(checked.joined(separator: ", "))\n")
                CommandOutput.write("\(errors) errors, \(result.findings.count - errors) warnings\n")
            }
            if errors > 0 { throw ExitCode(1) }
        }
    }
}
