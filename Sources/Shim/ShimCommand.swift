import BerthCore
import Glibc

/// `containerd-shim-berth-v1 -namespace NS -address ADDR -publish-binary BIN -id ID [-bundle PATH] [-debug]
/// start|delete`, and, with no action word, the long-running server that `start` spawns.
public enum ShimCommand {
    /// Bundle files: the init's pid (runc writes it) and the runtime binary and root `delete` needs.
    static let initPidFile = "init.pid"
    static let runtimeFile = "berth-shim-runtime"
    static let socketDirectory = BerthShimSocket.directory

    public static func main(_ arguments: [String]) -> Never {
        let config: ShimConfig
        do {
            config = try ShimConfig.parse(arguments)
        } catch {
            fail(error.message)
        }
        do {
            switch config.action {
            case .start: try start(config)
            case .delete: try delete(config)
            case .serve: try serve(config)
            }
        } catch {
            fail(error.message)
        }
        exit(0)
    }

    static func fail(_ message: String) -> Never {
        Sys.writeAll(2, Array("containerd-shim-berth-v1: \(message)\n".utf8))
        exit(1)
    }

    static func socketPath(address: String, namespace: String, id: String) -> String {
        BerthShimSocket.path(address: address, namespace: namespace, id: id)
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
