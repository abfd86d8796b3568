#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A fixed pool of `threadCount - 1` persistent worker threads plus the calling
/// thread, for the data-parallel loops inside kernels.
///
/// `parallelFor` publishes one job (count, chunk size, body) through a shared
/// slot, and every participant — the caller included — claims chunks of indices
/// from one atomic counter until none are left. Claiming dynamically (rather than
/// giving each thread a fixed range) lets the caller finish the work alone when a
/// worker is slow to wake, which matters on oversubscribed hosts. Idle workers
/// spin briefly, then sleep on a condition variable, so a pool between runs costs
/// no CPU. A call allocates nothing.
///
/// A `parallelFor` issued while another is running on the same pool (a nested
/// call from inside `body`, or a second thread) runs serially on its own thread
/// instead of deadlocking.
///
/// `shutdown()` (also called by `deinit`) stops and joins every worker; after it,
/// `parallelFor` runs serially on the caller.
public final class FixedThreadPool: ThreadPool, @unchecked Sendable {
    // @unchecked: the mutable state lives in `PoolState`, whose fields are atomics
    // or are published through them; `threads` is written only in `init`.

    /// Threads that execute work, the caller's included.
    public let threadCount: Int
    private let state: PoolState
    private let threads: [pthread_t]
    private let isShutDown = Atomic<Bool>(false)

    /// Starts `threads - 1` workers (at least one thread in all). If the system
    /// refuses a thread (a worker process under a tight RLIMIT_AS), the pool keeps
    /// the ones it got and `threadCount` says how many.
    public init(threads: Int) {
        let wanted = max(1, threads) - 1
        let state = PoolState()
        var started: [pthread_t] = []
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        // 2 MiB rather than the default 8 MiB: kernels do not recurse, and a smaller
        // reservation keeps many workers inside a profile's address-space cap.
        pthread_attr_setstacksize(&attributes, 2 << 20)
        for _ in 0..<wanted {
            let retained = Unmanaged.passRetained(state).toOpaque()
            #if canImport(Darwin)
            var thread: pthread_t? = nil
            #else
            var thread = pthread_t()
            #endif
            let rc = pthread_create(&thread, &attributes, { argument in
                let state = Unmanaged<PoolState>.fromOpaque(argument!).takeRetainedValue()
                state.workerLoop()
                return nil
            }, retained)
            if rc != 0 {
                Unmanaged<PoolState>.fromOpaque(retained).release()
                break
            }
            #if canImport(Darwin)
            started.append(thread!)
            #else
            started.append(thread)
            #endif
        }
        pthread_attr_destroy(&attributes)
        self.state = state
        self.threads = started
        self.threadCount = started.count + 1
    }

    deinit { shutdown() }

    /// Stops and joins every worker. Idempotent; must not be called from inside a
    /// `parallelFor` body.
    public func shutdown() {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        state.stop()
        for thread in threads { pthread_join(thread, nil) }
    }

    /// Runs `body(i)` for every `i` in `0..<count` and returns when all are done.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        guard threadCount > 1, count > 1, state.tryBegin() else {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            state.runJob(count: count, participants: threadCount, body: escapable)
        }
        state.end()
    }
}
