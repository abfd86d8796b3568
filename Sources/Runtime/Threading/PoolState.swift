#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The job a `FixedThreadPool` publishes: written by the caller before the epoch
/// is opened, read by workers only after they have seen it open.
struct PoolJob {
    var count = 0
    var grain = 1
    var body: ((Int) -> Void)? = nil
}

/// State shared by a pool's caller and its workers.
///
/// Protocol (why each step is there):
/// - `epoch` holds the id of the open job, 0 when none, -1 once stopped.
/// - A worker that sees a new id first increments `active`, then re-reads
///   `epoch`; only if the job is still open does it touch the job slot.
/// - The caller closes the job (`epoch = 0`) after the last chunk is claimed and
///   then waits for `active == 0`. Both sides use sequentially consistent
///   operations, so a worker either is counted in `active` before the caller's
///   check or sees the job closed — it never reads a slot the caller reuses.
/// - Sleeping workers register in `sleepers` under the mutex before re-checking
///   `epoch`; the caller reads `sleepers` after opening a job and broadcasts only
///   when someone sleeps, so a wake-up is never lost and rarely paid for.
final class PoolState: @unchecked Sendable {
    let epoch = Atomic<Int>(0)
    let active = Atomic<Int>(0)
    let nextIndex = Atomic<Int>(0)
    let sleepers = Atomic<Int>(0)
    /// Held by the one `parallelFor` in flight (and forever after `stop`).
    let busy = Atomic<Bool>(false)
    /// Written only by the caller holding `busy`.
    private var lastEpoch = 0
    private let job: UnsafeMutablePointer<PoolJob>
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// Busy-wait iterations before a worker sleeps; with a yield every 64 this is
    /// on the order of 100 µs — long enough to bridge back-to-back kernel loops.
    private static let spinLimit = 4096

    init() {
        job = .allocate(capacity: 1)
        job.initialize(to: PoolJob())
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
        job.deinitialize(count: 1)
        job.deallocate()
    }

    func tryBegin() -> Bool {
        busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    }

    func end() { busy.store(false, ordering: .releasing) }

    /// Caller side of one job; returns when every index has run.
    func runJob(count: Int, participants: Int, body: @escaping (Int) -> Void) {
        // About four chunks per participant: few atomic claims, yet enough slack to
        // rebalance when one thread is descheduled.
        job.pointee = PoolJob(count: count, grain: max(1, count / (participants * 4)), body: body)
        nextIndex.store(0, ordering: .relaxed)
        lastEpoch = lastEpoch == Int.max ? 1 : lastEpoch + 1
        epoch.store(lastEpoch, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 { broadcast() }
        participate()
        epoch.store(0, ordering: .sequentiallyConsistent)
        var spins = 0
        while active.load(ordering: .sequentiallyConsistent) != 0 {
            spins += 1
            if spins & 63 == 0 { sched_yield() }
        }
        // Drop the body before `withoutActuallyEscaping` checks it did not escape.
        job.pointee.body = nil
    }

    /// Claims and runs chunks until none are left. Not inlined so that the copy of
    /// the body it holds is released before the worker leaves `active`.
    @inline(never)
    private func participate() {
        let count = job.pointee.count
        let grain = job.pointee.grain
        guard let body = job.pointee.body else { return }
        while true {
            let start = nextIndex.wrappingAdd(grain, ordering: .relaxed).oldValue
            if start >= count { return }
            for i in start..<min(start + grain, count) { body(i) }
        }
    }

    func workerLoop() {
        var seen = 0
        while true {
            let current = waitForJob(after: seen)
            if current < 0 { return }
            seen = current
            active.wrappingAdd(1, ordering: .sequentiallyConsistent)
            if epoch.load(ordering: .sequentiallyConsistent) == current { participate() }
            active.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        }
    }

    /// Returns the id of an open job other than `seen`, or -1 when stopped.
    private func waitForJob(after seen: Int) -> Int {
        var spins = 0
        while true {
            let current = epoch.load(ordering: .acquiring)
            if current < 0 || (current != 0 && current != seen) { return current }
            spins += 1
            if spins < Self.spinLimit {
                if spins & 63 == 0 { sched_yield() }
                continue
            }
            pthread_mutex_lock(mutex)
            sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
            while true {
                let now = epoch.load(ordering: .sequentiallyConsistent)
                if now < 0 || (now != 0 && now != seen) { break }
                pthread_cond_wait(condition, mutex)
            }
            sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
            pthread_mutex_unlock(mutex)
            spins = 0
        }
    }

    private func broadcast() {
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Ends the workers: waits for any job in flight, then marks the pool stopped
    /// and keeps `busy` held so later calls run serially.
    func stop() {
        while !tryBegin() { sched_yield() }
        epoch.store(-1, ordering: .sequentiallyConsistent)
        broadcast()
    }
}
