import ArgumentParser
import BerthCore

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the client and server versions.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        CommandOutput.write("""
            Client:
              Version:  \(BerthVersion.version)
              Revision: \(BerthVersion.revision)

            """)
        let info = try await global.withClient { try await $0.serverInfo() }
        CommandOutput.write("""
            Server:
              Version:  \(info.version)
              Revision: \(info.revision)
              UUID: \(info.uuid)

            """)
    }
}
