import NIOCore

/// Lets a connection's RPCs run on the event loop that does its I/O (Swift's task executor preference,
/// SE-0417). Without it every step of a call hops between the loop and the cooperative pool: the request
/// reaches the handler through one wake-up, each response part goes back through another, and a small
/// RPC spent more time waiting for threads than working.
///
/// Handlers must not block for longer than a moment, here as in the cooperative pool: the services move
/// disk-bound work elsewhere (`offEventLoop`, `BlockingThread`, the ingest's write queue); metadata reads
/// take microseconds and run in place.
final class EventLoopTaskExecutor: TaskExecutor, Sendable {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
