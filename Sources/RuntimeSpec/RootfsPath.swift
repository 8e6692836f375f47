import Glibc

/// Paths inside a container's root filesystem, resolved as if it were `/`: symlinks (absolute or relative)
/// and ".." cannot lead out of it, so an image's `/etc/passwd -> /etc/shadow` or `-> ../../host/file` reads
/// the rootfs' file or nothing, never the host's. This is continuity's fs.RootPath, which containerd's user
/// lookups use, done component by component as in filepath-securejoin.
struct RootfsPath {
    let root: String

    /// The host path of `path` inside the rootfs, with every symlink on the way resolved inside the rootfs.
    /// Components that do not exist are kept as they are (the caller's open reports them).
    func resolve(_ path: String) throws -> String {
        var pending = Array(path.split(separator: "/").map(String.init).reversed())
        var resolved: [String] = []
        var links = 0
        while let part = pending.popLast() {
            if part == "." { continue }
            if part == ".." {
                _ = resolved.popLast()  // ".." of the root is the root
                continue
            }
            let candidate = hostPath(resolved + [part])
            var info = stat()
            guard lstat(candidate, &info) == 0 else {
                guard errno == ENOENT else { throw SpecError.system(operation: "lstat", path: candidate, errno: errno) }
                resolved.append(part)
                continue
            }
            guard info.st_mode & S_IFMT == S_IFLNK else {
                resolved.append(part)
                continue
            }
            links += 1
            guard links <= 255 else { throw SpecError.tooManyLinks(path: path) }
            let target = try readLink(candidate)
            if target.hasPrefix("/") { resolved.removeAll() }
            pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
        }
        return hostPath(resolved)
    }

    /// The contents of the regular file at `path` inside the rootfs. Refuses what is not a regular file once
    /// opened (a FIFO or /dev/zero planted as /etc/passwd would block or never end) and files over `limit`.
    func read(_ path: String, limit: Int = 16 << 20) throws -> [UInt8] {
        let hostPath = try resolve(path)
        // O_NOFOLLOW: a symlink swapped in after resolve fails instead of being followed out of the rootfs.
        let fd = open(hostPath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { throw SpecError.system(operation: "open", path: hostPath, errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SpecError.system(operation: "stat", path: hostPath, errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw SpecError.invalidArgument("\(hostPath) in the rootfs is not a regular file")
        }
        guard info.st_size <= limit else { throw SpecError.invalidArgument("\(hostPath) is larger than \(limit) bytes") }
        return try DescriptorReader.readAll(fd, path: hostPath, operation: "read", limit: limit)
    }

    private func hostPath(_ components: [String]) -> String {
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        return components.isEmpty ? (base.isEmpty ? "/" : base) : base + "/" + components.joined(separator: "/")
    }

    private func readLink(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { throw SpecError.system(operation: "readlink", path: path, errno: errno) }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
