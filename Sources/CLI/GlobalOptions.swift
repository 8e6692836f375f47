import ArgumentParser
import BerthClient
import Foundation

/// ctr's global options, with the same environment variables.
public struct GlobalOptions: ParsableArguments {
    @Option(name: [.customShort("a"), .long], help: "Address of berthd's socket (env CONTAINERD_ADDRESS).")
    var address: String?

    @Option(name: [.customShort("n"), .long], help: "Namespace to use (env CONTAINERD_NAMESPACE, default \"default\").")
    var namespace: String?

    @Option(help: "Total timeout for each call, e.g. 10s, 1m30s (no timeout by default).")
    var timeout: String?

    @Flag(help: "Print debug information on errors.")
    var debug = false

    public init() {}

    var resolvedAddress: String {
        address ?? ProcessInfo.processInfo.environment["CONTAINERD_ADDRESS"].flatMap { $0.isEmpty ? nil : $0 }
            ?? BerthClient.defaultAddress
    }

    var resolvedNamespace: String {
        namespace ?? ProcessInfo.processInfo.environment["CONTAINERD_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? BerthClient.defaultNamespace
    }

    /// Connects with these options and runs `body`; errors become ctr-style messages and exit code 1.
    func withClient<Result: Sendable>(_ body: (BerthClient) async throws -> Result) async throws -> Result {
        let timeout = try timeout.map { text in
            guard let duration = GoDuration.parse(text) else {
                throw ValidationError("invalid duration \"\(text)\" for --timeout")
            }
            return duration
        }
        do {
            return try await BerthClient.withConnection(
                address: resolvedAddress, namespace: resolvedNamespace, timeout: timeout, body)
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch is CancellationError {
            throw ExitCode(130)
        } catch {
            CommandOutput.printError(CommandOutput.describe(error, address: resolvedAddress, debug: debug))
            throw ExitCode(1)
        }
    }
}
