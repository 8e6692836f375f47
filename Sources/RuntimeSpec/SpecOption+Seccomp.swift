import Foundation
import Glibc

extension SpecOption {
    /// contrib/seccomp's WithDefaultProfile (ctr run --seccomp): containerd's default profile for the spec as it
    /// is when the option runs. The profile depends on the bounding capabilities, so this goes after the options
    /// that change them (ctr applies --cap-add and --cap-drop before it).
    public static var seccompDefault: SpecOption {
        SpecOption { spec in
            let profile = SeccompProfile.containerdDefault(for: spec)
            spec.updateLinux { $0.seccomp = profile.jsonValue }
        }
    }

    /// contrib/seccomp's WithProfile (ctr run --seccomp --seccomp-profile): the runtime-spec seccomp JSON in the
    /// file at `path`. As in containerd the file is decoded into the LinuxSeccomp type and that is stored, so keys
    /// runtime-spec does not define (a Docker profile's `archMap`, `comment`) are dropped, empty ones are left out
    /// and a value of the wrong type is an error; `null` gives an empty profile.
    public static func seccompProfile(path: String) -> SpecOption {
        SpecOption { spec in
            let bytes = try readProfile(path)
            let profile: SeccompProfile
            do {
                let decoder = JSONDecoder()
                let data = Data(bytes)
                if try decoder.decode(JSONValue.self, from: data) == .null {
                    profile = SeccompProfile(defaultAction: "")
                } else {
                    profile = try decoder.decode(SeccompProfile.self, from: data)
                }
            } catch {
                throw SpecError.invalidArgument("decoding seccomp profile failed \"\(path)\": \(error)")
            }
            spec.updateLinux { $0.seccomp = profile.jsonValue }
        }
    }

    /// os.ReadFile; failures are `SpecError.system`, so a missing file reads "cannot load seccomp profile: open
    /// PATH: No such file or directory" and keeps its errno.
    private static func readProfile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SpecError.system(operation: "cannot load seccomp profile: open", path: path, errno: errno) }
        defer { close(fd) }
        return try DescriptorReader.readAll(fd, path: path, operation: "cannot load seccomp profile: read")
    }
}
