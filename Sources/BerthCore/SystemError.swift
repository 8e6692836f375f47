import BerthCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call as a BerthError, worded like Go's *PathError ("open /x: no such file or
/// directory") so logs read as containerd's, with errno mapped onto containerd's error kinds.
public func systemError(_ operation: String, _ path: String, _ code: Int32) -> BerthError {
    let reason = String(cString: strerror(code))
    return BerthError(kind(of: code), "\(operation) \(path): \(reason)")
}

private func kind(of code: Int32) -> BerthError.Kind {
    switch code {
    case ENOENT, ENOTDIR: .notFound
    case EEXIST: .alreadyExists
    case EACCES, EPERM, EROFS: .permissionDenied
    case ENOSPC, EDQUOT: .resourceExhausted
    case EINVAL: .invalidArgument
    default: .unknown
    }
}
