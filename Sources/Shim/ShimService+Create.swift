import BerthAPI
import Glibc
import SwiftProtobuf

extension ShimService {
    static let runcOptionsType = "containerd.runc.v1.Options"

    /// Mounts the rootfs, opens the stdio, `runc create`s the container (paused before its command runs).
    func create(_ request: Containerd_Task_V2_CreateTaskRequest) throws(ShimError) -> Containerd_Task_V2_CreateTaskResponse {
        guard initProcess == nil else { throw ShimError(.alreadyExists, "container \(request.id)") }
        guard !request.id.isEmpty else { throw ShimError(.invalidArgument, "container id cannot be empty") }
        guard request.checkpoint.isEmpty else {
            throw ShimError(.unimplemented, "restoring from a checkpoint is not supported by the berth shim")
        }
        let options = try Self.runcOptions(request.hasOptions ? request.options : nil)
        let bundle = request.bundle.isEmpty ? ShimCommand.currentDirectory() : request.bundle
        let runc = Runc(
            binary: options.binaryName.isEmpty ? "runc" : options.binaryName,
            root: (options.root.isEmpty ? Runc.defaultRoot : options.root) + "/" + config.namespace,
            logPath: bundle + "/log.json", systemdCgroup: options.systemdCgroup)
        // `delete` (after this process is gone) must find the same runtime and root.
        try? Sys.writeFile(bundle + "/" + ShimCommand.runtimeFile, "\(runc.binary)\n\(runc.root)\n")

        let rootfs = bundle + "/rootfs"
        if !request.rootfs.isEmpty {
            if mkdir(rootfs, 0o711) != 0 && errno != EEXIST { throw ShimError.system("mkdir \(rootfs)") }
            try RootfsMount.mountAll(request.rootfs, on: rootfs)
        }
        let paths = ProcessIO.Paths(
            stdin: request.stdin, stdout: request.stdout, stderr: request.stderr, terminal: request.terminal)
        let process = ShimProcess(execID: "", paths: paths)
        let pidFile = bundle + "/" + ShimCommand.initPidFile
        do {
            let pid = try launch(process, runc: runc) { consoleSocket in
                var arguments = ["create", "--bundle", bundle, "--pid-file", pidFile]
                if let consoleSocket { arguments += ["--console-socket", consoleSocket] }
                if options.noPivotRoot { arguments.append("--no-pivot") }
                if options.noNewKeyring { arguments.append("--no-new-keyring") }
                return (arguments + [request.id], pidFile)
            }
            self.bundle = bundle
            self.runc = runc
            containerID = request.id
            rootfsMounted = !request.rootfs.isEmpty
            initProcess = process
            register(process, pid: pid)
            let containerID = request.id
            oomWatch = OOMWatch(pid: pid, loop: loop) { [unowned self] in
                events.publish("/tasks/oom", Containerd_Events_TaskOOM.with { $0.containerID = containerID })
            }
        } catch {
            if !request.rootfs.isEmpty { RootfsMount.unmountAll(rootfs) }
            throw ShimError(error.code, "OCI runtime create failed: \(error.message)")
        }
        events.publish("/tasks/create", Containerd_Events_TaskCreate.with {
            $0.containerID = request.id
            $0.bundle = bundle
            $0.rootfs = request.rootfs
            $0.io = .with {
                $0.stdin = request.stdin
                $0.stdout = request.stdout
                $0.stderr = request.stderr
                $0.terminal = request.terminal
            }
            $0.checkpoint = request.checkpoint
            $0.pid = UInt32(process.pid)
        })
        return .with { $0.pid = UInt32(process.pid) }
    }

    /// Opens the process's IO, runs the runtime command that starts it (create or exec), hands over the
    /// console if it has a terminal, and returns the pid the runtime wrote.
    func launch(
        _ process: ShimProcess, runc: Runc, command: (_ consoleSocket: String?) -> (arguments: [String], pidFile: String)
    ) throws(ShimError) -> Int32 {
        let io = try ProcessIO(
            paths: process.paths, owner: .init(containerID: config.id, namespace: config.namespace), loop: loop)
        var console: ConsoleSocket?
        defer { console?.close() }
        do throws(ShimError) {
            if process.paths.terminal { console = try ConsoleSocket() }
            let (arguments, pidFile) = command(console?.path)
            unlink(pidFile)
            try runc.run(arguments, stdio: io.runtimeStdio)
            guard let text = Sys.readText(pidFile), let pid = Int32(text.trimmingWhitespace()), pid > 0 else {
                throw ShimError(.unknown, "no pid in \(pidFile)")
            }
            io.processStarted()
            if let console { io.attachConsole(try console.receiveMaster()) }
            process.io = io
            return pid
        } catch {
            io.close()
            throw error
        }
    }

    /// The runc options of the request (`containerd.runc.v1.Options`); other option types are ignored.
    static func runcOptions(_ any: Google_Protobuf_Any?) throws(ShimError) -> Containerd_Runc_V1_Options {
        guard let any, any.typeURL.hasSuffix(runcOptionsType) else { return Containerd_Runc_V1_Options() }
        do {
            return try Containerd_Runc_V1_Options(serializedBytes: any.value)
        } catch {
            throw ShimError(.invalidArgument, "runc options: \(error)")
        }
    }
}
