import BerthCore
import Distribution
import Testing

/// Quick retries, so failure tests finish fast, and generous timeouts: the unit tests all run at once on two
/// cores, where a fake registry's answer can wait in the queue for half a minute, and a timeout there would
/// retry a request and change what the test counts. Tests of timeouts set their own.
func testConfiguration(stall: Duration = .seconds(120), attempts: Int = 3) -> RegistryClient.Configuration {
    var configuration = RegistryClient.Configuration()
    configuration.initialBackoff = .milliseconds(10)
    configuration.maxBackoff = .milliseconds(50)
    configuration.maxAttempts = attempts
    configuration.stallTimeout = stall
    configuration.requestTimeout = .seconds(180)
    configuration.connectTimeout = .seconds(15)
    return configuration
}

/// A client for `body`, shut down afterwards whether `body` succeeds or throws.
@discardableResult
func withClient<T>(
    hosts: RegistryHosts = RegistryHosts(configDirectory: nil), credentials: CredentialProvider? = nil,
    configuration: RegistryClient.Configuration = testConfiguration(), _ body: (RegistryClient) async throws -> T
) async throws -> T {
    let client = RegistryClient(hosts: hosts, credentials: credentials, configuration: configuration)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// Expects `body` to throw a BerthError of `kind` whose message contains `fragment`.
@discardableResult
func expectBerthError<T>(
    _ kind: BerthError.Kind, containing fragment: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async -> BerthError? {
    do {
        _ = try await body()
        Issue.record("expected a \(kind) error, got success", sourceLocation: sourceLocation)
        return nil
    } catch let error as BerthError {
        #expect(error.kind == kind, "\(error.kind): \(error.message)", sourceLocation: sourceLocation)
        if let fragment {
            #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
        }
        return error
    } catch {
        Issue.record("expected BerthError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Collects every progress update of an operation.
func collectProgress() -> (AsyncStream<TransferProgress>.Continuation, Task<[TransferProgress], Never>) {
    let (stream, continuation) = AsyncStream.makeStream(of: TransferProgress.self)
    let task = Task {
        var all: [TransferProgress] = []
        for await update in stream { all.append(update) }
        return all
    }
    return (continuation, task)
}
