import Foundation
import OCI

extension SpecOption {
    /// WithImageConfig / WithImageConfigArgs for Linux containers: the image's environment under the spec's
    /// (default PATH when the image has none), entrypoint + cmd (or `args` instead of cmd), WorkingDir ("/" when
    /// unset), and USER resolved against `rootfs` with its supplementary groups; without USER, root's groups.
    public static func imageConfig(_ image: ImageConfig, rootfs: URL, args: [String] = []) -> SpecOption {
        SpecOption { spec in
            guard spec.linux != nil else { throw SpecError.linuxSectionRequired }
            let config = image.config ?? ImageConfig.Container()
            spec.updateProcess { process in
                let imageEnv = config.env ?? []
                process.env = Environment.replaceOrAppend(imageEnv.isEmpty ? [DefaultSpec.pathEnv] : imageEnv, process.env)
                process.args = (config.entrypoint ?? []) + (args.isEmpty ? config.cmd ?? [] : args)
                let workingDir = config.workingDir ?? ""
                process.cwd = workingDir.isEmpty ? "/" : workingDir
            }
            if let user = config.user, !user.isEmpty {
                try spec.apply(.user(user, rootfs: rootfs))
                try spec.apply(.additionalGIDs(of: String(spec.process?.user.uid ?? 0), rootfs: rootfs))
            } else {
                // containerd reads root's groups from the image even without USER.
                try spec.apply(.additionalGIDs(of: "root", rootfs: rootfs))
            }
        }
    }
}
