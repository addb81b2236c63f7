import Dispatch
import Synchronization

/// Runs async work (HQ's PostgreSQL client) from slactl's synchronous commands: the work runs on
/// the concurrency pool while the main thread, which is not part of it, waits.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = Shared<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let result: Result<T, any Error>
        do { result = .success(try await work()) } catch { result = .failure(error) }
        outcome.value.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try outcome.value.withLock { $0! }.get()
}

/// A value behind a lock, shared by reference between a waiting thread and a task.
final class Shared<Value: Sendable>: Sendable {
    let value: Mutex<Value>

    init(_ value: Value) {
        self.value = Mutex(value)
    }
}
