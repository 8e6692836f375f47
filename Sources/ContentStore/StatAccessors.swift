#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few stat fields the store reads, under one name on Linux and Darwin.
extension stat {
    var modificationTime: timespec {
        #if canImport(Darwin)
        st_mtimespec
        #else
        st_mtim
        #endif
    }

    var accessTime: timespec {
        #if canImport(Darwin)
        st_atimespec
        #else
        st_atim
        #endif
    }

    var isRegularFile: Bool { st_mode & S_IFMT == S_IFREG }
    var isDirectory: Bool { st_mode & S_IFMT == S_IFDIR }
}
