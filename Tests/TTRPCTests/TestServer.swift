import Foundation
import TTRPC

/// A TTRPCServer on a socket in its own temporary directory, with a client connected to it.
struct TestServer {
    let directory: TestDirectory
    let socketPath: String
    let server: TTRPCServer
    let client: TTRPCClient

    /// Runs `body` against a fresh server with the methods `register` adds; tears everything down after.
    static func with<T>(
        register: (TTRPCServer) -> Void, _ body: (TestServer) async throws -> T
    ) async throws -> T {
        let directory = try TestDirectory()
        let server = TTRPCServer()
        register(server)
        let socketPath = directory.file("s.sock")
        let client: TTRPCClient
        do {
            try await server.start(unixSocketPath: socketPath)
            client = try await TTRPCClient.connect(unixSocketPath: socketPath)
        } catch {
            await server.close()
            directory.remove()
            throw error
        }
        let fixture = TestServer(directory: directory, socketPath: socketPath, server: server, client: client)
        do {
            let result = try await body(fixture)
            await fixture.tearDown()
            return result
        } catch {
            await fixture.tearDown()
            throw error
        }
    }

    func tearDown() async {
        await client.close()
        await server.close(gracePeriod: .seconds(2))
        directory.remove()
    }
}
