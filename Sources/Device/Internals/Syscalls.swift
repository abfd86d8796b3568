import CLinux
import Glibc
import SystemPackage

// Every libc and libnuma call Device makes goes through a `system_` function here
// (STYLE rule 4), so the set of system interactions is in one file and no raw
// Int32 error code leaves it: failures come back as swift-system's `Errno`.

/// Whether a resource limit is the address space or the data segment.
enum ResourceLimit {
    case addressSpace, data

    var resource: Int32 {
        switch self {
        case .addressSpace: Int32(RLIMIT_AS.rawValue)
        case .data: Int32(RLIMIT_DATA.rawValue)
        }
    }

    var cName: String { self == .addressSpace ? "RLIMIT_AS" : "RLIMIT_DATA" }
}

/// Sets the soft and hard limit of `pid` (0 = this process) to `bytes`.
/// The corresponding C function is `prlimit(2)`.
func system_setrlimit(pid: Int32, _ limit: ResourceLimit, bytes: Int) -> Result<Void, Errno> {
    var value = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
    return clinux_prlimit(pid, limit.resource, &value, nil) == 0 ? .success(()) : .failure(Errno(rawValue: errno))
}

/// The current soft limit of `pid`; nil when unlimited.
/// The corresponding C function is `prlimit(2)`.
func system_getrlimit(pid: Int32, _ limit: ResourceLimit) -> Result<Int?, Errno> {
    var value = rlimit()
    guard clinux_prlimit(pid, limit.resource, nil, &value) == 0 else { return .failure(Errno(rawValue: errno)) }
    return .success(value.rlim_cur == rlim_t.max ? nil : Int(value.rlim_cur))
}

/// Restricts `pid` (0 = this thread's process) to `cpus`.
/// The corresponding C function is `sched_setaffinity(2)`.
func system_sched_setaffinity(pid: Int32, cpus: [Int]) -> Result<Void, Errno> {
    let list = cpus.map { Int32($0) }
    let status = list.withUnsafeBufferPointer { clinux_set_affinity(pid, $0.baseAddress, Int32($0.count)) }
    return status == 0 ? .success(()) : .failure(Errno(rawValue: errno))
}

/// The CPUs `pid` may run on, ascending.
/// The corresponding C function is `sched_getaffinity(2)`.
func system_sched_getaffinity(pid: Int32) -> Result<[Int], Errno> {
    var cpus = [Int32](repeating: 0, count: 4096)
    let count = cpus.withUnsafeMutableBufferPointer { clinux_get_affinity(pid, $0.baseAddress, Int32($0.count)) }
    guard count >= 0 else { return .failure(Errno(rawValue: errno)) }
    return .success(cpus.prefix(Int(count)).map { Int($0) })
}

/// Sends `signal` to `pid`. The corresponding C function is `kill(2)`.
func system_kill(pid: Int32, signal: Int32) -> Result<Void, Errno> {
    kill(pid, signal) == 0 ? .success(()) : .failure(Errno(rawValue: errno))
}

/// Waits for the child `pid` to exit (retrying EINTR); returns the raw wait status.
/// The corresponding C function is `waitpid(2)`.
func system_waitpid(pid: Int32) -> Result<Int32, Errno> {
    var status: Int32 = 0
    while true {
        if waitpid(pid, &status, 0) == pid { return .success(status) }
        if errno != EINTR { return .failure(Errno(rawValue: errno)) }
    }
}

/// Starts the duty-cycle helper that stops and continues `target`.
/// The corresponding C function is `clinux_spawn_duty_cycle` (fork(2) + kill(2)).
func system_spawn_duty_cycle(target: Int32, runNanoseconds: Int, stopNanoseconds: Int) -> Result<Int32, Errno> {
    let pid = clinux_spawn_duty_cycle(target, runNanoseconds, stopNanoseconds)
    return pid > 0 ? .success(pid) : .failure(Errno(rawValue: errno))
}

/// Makes this process receive `signal` when its parent exits.
/// The corresponding C function is `prctl(2)` with `PR_SET_PDEATHSIG`.
func system_set_parent_death_signal(_ signal: Int32) -> Result<Void, Errno> {
    clinux_set_parent_death_signal(signal) == 0 ? .success(()) : .failure(Errno(rawValue: errno))
}

// MARK: libnuma

/// Number of NUMA nodes, or nil where the kernel has no NUMA support.
/// The corresponding C functions are `numa_available(3)` and `numa_num_configured_nodes(3)`.
func system_numa_nodes() -> Int? {
    guard numa_available() >= 0 else { return nil }
    return Int(numa_num_configured_nodes())
}

/// The node `cpu` belongs to. The corresponding C function is `numa_node_of_cpu(3)`.
func system_numa_node_of_cpu(_ cpu: Int) -> Int? {
    let node = numa_node_of_cpu(Int32(cpu))
    return node >= 0 ? Int(node) : nil
}

/// Binds this process's future allocations strictly to `node`, and reads the
/// policy back because `numa_set_membind` reports failure only on stderr.
/// The corresponding C functions are `numa_set_membind(3)` and `numa_get_membind(3)`.
func system_numa_bind_memory(node: Int) -> Bool {
    guard let mask = numa_allocate_nodemask() else { return false }
    defer { numa_bitmask_free(mask) }
    numa_bitmask_setbit(mask, UInt32(node))
    numa_set_bind_policy(1)
    numa_set_membind(mask)
    guard let current = numa_get_membind() else { return false }
    defer { numa_bitmask_free(current) }
    return numa_bitmask_equal(mask, current) != 0
}

/// Total memory of `node` in bytes. The corresponding C function is `numa_node_size64(3)`.
func system_numa_node_size(_ node: Int) -> Int? {
    let size = numa_node_size64(Int32(node), nil)
    return size > 0 ? Int(size) : nil
}
