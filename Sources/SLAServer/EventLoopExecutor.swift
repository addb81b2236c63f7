import NIOCore

/// Runs a connection's request handling on the connection's own event loop, instead of Swift's
/// cooperative pool: reading a request, answering it and writing the reply then stay on one thread,
/// and the only hand-offs left per write are to the scheduler's queue and back.
final class EventLoopExecutor: TaskExecutor, @unchecked Sendable {
    let eventLoop: EventLoop

    init(_ eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
