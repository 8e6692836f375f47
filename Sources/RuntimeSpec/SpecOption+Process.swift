import Foundation

extension SpecOption {
    /// WithProcessArgs: the command and its arguments.
    public static func processArgs(_ args: [String]) -> SpecOption {
        SpecOption { spec in
            spec.updateProcess { process in
                process.args = args
                process.commandLine = ""
            }
        }
    }

    /// WithEnv: `KEY=value` entries replace or append, bare `KEY` entries unset (see `Environment`).
    public static func env(_ variables: [String]) -> SpecOption {
        SpecOption { spec in
            guard !variables.isEmpty else { return }
            spec.updateProcess { $0.env = Environment.replaceOrAppend($0.env, variables) }
        }
    }

    /// WithEnvFile: one variable per line of the host file at `path`, then as `.env`.
    public static func envFile(_ path: String) -> SpecOption {
        SpecOption { spec in
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw SpecError.invalidArgument("open \(path): \(error)")
            }
            // bufio.ScanLines: split at "\n", drop one trailing "\r", no final empty line. Scalars, not
            // Characters, because "\r\n" is a single Character.
            var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
                String($0.last == "\r" ? $0.dropLast() : $0)
            }
            if lines.last == "" { lines.removeLast() }
            try SpecOption.env(lines).apply(to: &spec)
        }
    }

    /// WithDefaultPathEnv: sets PATH to containerd's default.
    public static var defaultPathEnv: SpecOption {
        SpecOption { spec in spec.updateProcess { $0.env = Environment.replaceOrAppend($0.env, [DefaultSpec.pathEnv]) } }
    }

    /// WithProcessCwd.
    public static func processCwd(_ cwd: String) -> SpecOption {
        SpecOption { spec in spec.updateProcess { $0.cwd = cwd } }
    }

    /// WithTTY: a terminal, and TERM=xterm appended for Linux containers.
    public static var tty: SpecOption {
        SpecOption { spec in
            let isLinux = spec.linux != nil
            spec.updateProcess { process in
                process.terminal = true
                if isLinux { process.env.append("TERM=xterm") }
            }
        }
    }

    /// WithTTYSize.
    public static func ttySize(width: UInt, height: UInt) -> SpecOption {
        SpecOption { spec in spec.updateProcess { $0.consoleSize = Spec.Box(height: height, width: width) } }
    }

    /// WithHostname.
    public static func hostname(_ name: String) -> SpecOption {
        SpecOption { spec in spec.hostname = name }
    }

    /// WithAnnotations: adds the annotations, replacing those with the same keys.
    public static func annotations(_ annotations: [String: String]) -> SpecOption {
        SpecOption { spec in spec.annotations.merge(annotations) { _, new in new } }
    }
}
