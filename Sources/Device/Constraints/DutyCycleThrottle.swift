import Glibc

/// Throttles a process to a share of each CPU by duty cycle: a small helper
/// process lets it run for `share × period`, stops it with SIGSTOP for the rest,
/// and continues it with SIGCONT. Every thread of the process stops together, so
/// each core the process uses gets the same share: a 25 % profile on 2 cores
/// behaves like two cores at a quarter of their speed, as far as wall time goes.
///
/// SIGSTOP was chosen over cgroup `cpu.max` because it needs no cgroup delegation
/// and no root, and over per-thread CPU-time accounting because it also covers
/// threads the runtime starts on its own.
public final class DutyCycleThrottle: Sendable {
    /// Pid of the throttled process.
    public let target: Int32
    /// Pid of the helper that stops and continues it.
    public let helper: Int32
    public let share: Double
    public let period: Duration

    /// The period the profiles use: short enough that a 10 ms inference is slowed
    /// evenly, long enough that the two signals per period cost nothing measurable.
    public static let defaultPeriod = Duration.milliseconds(100)

    private init(target: Int32, helper: Int32, share: Double, period: Duration) {
        self.target = target; self.helper = helper; self.share = share; self.period = period
    }

    /// Starts throttling `target` (this process when nil) to `share` in (0, 1).
    public static func start(target: Int32? = nil, share: Double, period: Duration = defaultPeriod) throws(ThrottleError) -> DutyCycleThrottle {
        guard share > 0, share < 1 else { throw .invalidShare(share) }
        let periodNanoseconds = Int(period.components.seconds) * 1_000_000_000 + Int(period.components.attoseconds / 1_000_000_000)
        let run = max(1_000_000, Int(Double(periodNanoseconds) * share))
        let stop = max(1_000_000, periodNanoseconds - run)
        let pid = target ?? getpid()
        switch system_spawn_duty_cycle(target: pid, runNanoseconds: run, stopNanoseconds: stop) {
        case .success(let helper): return DutyCycleThrottle(target: pid, helper: helper, share: share, period: period)
        case .failure(let errno): throw .spawnFailed(errno.description)
        }
    }

    /// Stops throttling: the helper continues the target before it exits, and is
    /// reaped here so it leaves no zombie.
    public func stop() {
        _ = system_kill(pid: helper, signal: SIGTERM)
        _ = system_waitpid(pid: helper)
        _ = system_kill(pid: target, signal: SIGCONT)
    }

    /// "runs 50 ms of every 100 ms (SIGSTOP/SIGCONT, helper pid 4242)".
    public var detail: String {
        let periodMilliseconds = Double(period.components.seconds) * 1000 + Double(period.components.attoseconds) / 1e15
        return "runs \(Quantity.trimmedNumber(periodMilliseconds * share)) ms of every \(Quantity.trimmedNumber(periodMilliseconds)) ms "
            + "(SIGSTOP/SIGCONT duty cycle, helper pid \(helper))"
    }
}

/// Why a throttle could not start.
public enum ThrottleError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidShare(Double)
    case spawnFailed(String)

    public var description: String {
        switch self {
        case .invalidShare(let share): "a CPU share must be above 0 and below 100 %, got \(Quantity.format(share, .fraction))"
        case .spawnFailed(let reason): "could not start the throttle helper: \(reason)"
        }
    }
}

/// Process-wide settings a worker makes on itself before it runs a job.
public enum WorkerProcess {
    /// Makes the kernel send `signal` to this process when its parent exits, so a
    /// worker never outlives the daemon that started it.
    /// The corresponding C function is `prctl(2)` with `PR_SET_PDEATHSIG`.
    public static func terminateWithParent(signal: Int32 = SIGKILL) -> Bool {
        (try? system_set_parent_death_signal(signal).get()) != nil
    }
}
