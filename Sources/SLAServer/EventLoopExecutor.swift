import NIOCore

/// Runs a task on a connection's own event loop instead of Swift's cooperative pool: a long poll
/// (`Responder.later`) waits, then makes and writes its answer on the thread that owns the channel.
final class EventLoopExecutor: TaskExecutor, Sendable {
    let eventLoop: EventLoop

    init(_ eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
