import CLI
import CLinux

/// `berth`: everything lives in the CLI module.
@main
enum BerthMain {
    static func main() async {
        // Content and archives stream in megabyte buffers. Returned to the kernel after each use, their pages
        // were zeroed and faulted in again for the next one (half the client's CPU in a 1 GiB ingest).
        berth_malloc_keep_freed(64 << 20)
        await BerthCommand.main()
    }
}
