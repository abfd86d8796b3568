import Foundation
import Glibc

/// One constraint of a profile and what became of it on this host. Profiling
/// turns it into the result's `AppliedConstraint`; Device cannot see that type.
public struct ConstraintOutcome: Sendable, Hashable, Codable {
    /// `memory_cap`, `cores`, `cpu_share`, `numa_node`.
    public var name: String
    /// The value asked for ("512 KiB", "1 core", "50 %").
    public var requested: String
    public var applied: Bool
    /// How it was applied, or why not, in words a person can act on.
    public var detail: String
    public init(name: String, requested: String, applied: Bool, detail: String) {
        self.name = name; self.requested = requested; self.applied = applied; self.detail = detail
    }
}

/// The profile's constraints as applied to one process: call `apply` in the
/// worker before it loads the model, so the model's allocations, threads and
/// pages all fall under them.
public struct ProcessConstraints: Sendable {
    /// One entry per constraint the profile sets, applied or not.
    public var outcomes: [ConstraintOutcome]
    /// The CPUs the process is bound to; size the thread pool to `cpus.count`.
    public var cpus: [Int]
    /// RLIMIT_AS now in force, if the profile caps memory.
    public var addressSpaceLimitBytes: Int?
    /// The running throttle, if the profile asks for less than a full core; stop it
    /// before reporting so the report is not slowed down too.
    public var throttle: DutyCycleThrottle?

    /// Applies `constraints` to `pid` (0 = this process):
    /// - memory: RLIMIT_AS and RLIMIT_DATA = RAM cap (+ flash cap where weights live in
    ///   flash, since on the host they are loaded into memory too) + `overheadBytes`,
    ///   the runtime's own measured footprint (see `RuntimeOverhead`);
    /// - cores: sched_setaffinity to the first `cores` allowed CPUs (of the NUMA node, if set);
    /// - NUMA: strict memory binding to the node through libnuma (this process only);
    /// - CPU share: a `DutyCycleThrottle` on the process.
    /// Nothing throws: what could not be applied is an outcome with `applied: false`.
    public static func apply(_ constraints: Constraints, overheadBytes: Int, pid: Int32 = 0) -> ProcessConstraints {
        var outcomes: [ConstraintOutcome] = []
        var limit: Int?
        if let cap = constraints.memoryCapBytes {
            let (outcome, bytes) = applyMemory(cap: cap, constraints: constraints, overheadBytes: overheadBytes, pid: pid)
            outcomes.append(outcome); limit = bytes
        }
        let (coreOutcome, cpus) = applyCores(constraints, pid: pid)
        outcomes.append(coreOutcome)
        if let node = constraints.numaNode { outcomes.append(applyNUMA(node: node, pid: pid)) }
        var throttle: DutyCycleThrottle?
        if constraints.cpuShare < 1 {
            let requested = Quantity.format(constraints.cpuShare, .fraction) + " per core"
            do {
                let started = try DutyCycleThrottle.start(target: pid == 0 ? getpid() : pid, share: constraints.cpuShare)
                throttle = started
                outcomes.append(ConstraintOutcome(name: "cpu_share", requested: requested, applied: true, detail: started.detail))
            } catch {
                outcomes.append(ConstraintOutcome(name: "cpu_share", requested: requested, applied: false, detail: error.description))
            }
        }
        return ProcessConstraints(outcomes: outcomes, cpus: cpus, addressSpaceLimitBytes: limit, throttle: throttle)
    }

    private static func applyMemory(cap: Int, constraints: Constraints, overheadBytes: Int, pid: Int32) -> (ConstraintOutcome, Int?) {
        let flash = constraints.weightsInFlash ? (constraints.flashCapBytes ?? 0) : 0
        let bytes = cap + flash + overheadBytes
        let parts = [Quantity.formatBytes(cap) + " cap", flash > 0 ? Quantity.formatBytes(flash) + " flash-resident weights" : nil,
                     Quantity.formatBytes(overheadBytes) + " runtime overhead"].compactMap { $0 }.joined(separator: " + ")
        let requested = Quantity.formatBytes(cap)
        for limit in [ResourceLimit.addressSpace, .data] {
            if case .failure(let errno) = system_setrlimit(pid: pid, limit, bytes: bytes) {
                let why = errno == .notPermitted ? "the hard limit is lower and raising it needs root (CAP_SYS_RESOURCE)" : errno.description
                return (ConstraintOutcome(name: "memory_cap", requested: requested, applied: false,
                                          detail: "could not set \(limit.cName) to \(Quantity.formatBytes(bytes)): \(why)"), nil)
            }
        }
        return (ConstraintOutcome(name: "memory_cap", requested: requested, applied: true,
                                  detail: "RLIMIT_AS = RLIMIT_DATA = \(Quantity.formatBytes(bytes)) (\(parts))"), bytes)
    }

    private static func applyCores(_ constraints: Constraints, pid: Int32) -> (ConstraintOutcome, [Int]) {
        let wanted = constraints.cores
        let requested = wanted == 1 ? "1 core" : "\(wanted) cores"
        guard case .success(var allowed) = system_sched_getaffinity(pid: pid) else {
            return (ConstraintOutcome(name: "cores", requested: requested, applied: false, detail: "could not read the CPU affinity"), [])
        }
        if let node = constraints.numaNode {
            let onNode = allowed.filter { system_numa_node_of_cpu($0) == node }
            if !onNode.isEmpty { allowed = onNode }
        }
        let chosen = Array(physicalCoresFirst(allowed).prefix(wanted))
        if case .failure(let errno) = system_sched_setaffinity(pid: pid, cpus: chosen) {
            return (ConstraintOutcome(name: "cores", requested: requested, applied: false,
                                      detail: "sched_setaffinity to CPUs \(chosen) failed: \(errno)"), allowed)
        }
        let list = chosen.map(String.init).joined(separator: ",")
        guard chosen.count == wanted else {
            return (ConstraintOutcome(name: "cores", requested: requested, applied: false,
                                      detail: "only \(chosen.count) CPUs (\(list)) are available here; the job runs on those"), chosen)
        }
        return (ConstraintOutcome(name: "cores", requested: requested, applied: true, detail: "sched_setaffinity to CPU \(list)"), chosen)
    }

    /// Orders CPUs so that one hardware thread of each physical core comes before any
    /// SMT sibling: a 4-core profile should get 4 cores, not 2 cores' 4 threads.
    static func physicalCoresFirst(_ cpus: [Int]) -> [Int] {
        let primary = cpus.filter { cpu in
            let path = "/sys/devices/system/cpu/cpu\(cpu)/topology/thread_siblings_list"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return true }
            let first = text.split(whereSeparator: { $0 == "," || $0 == "-" }).first.flatMap { Int($0.trimmingWhitespace()) }
            return first == nil || first == cpu
        }
        return primary + cpus.filter { !primary.contains($0) }
    }

    private static func applyNUMA(node: Int, pid: Int32) -> ConstraintOutcome {
        let requested = "node \(node)"
        func notApplied(_ detail: String) -> ConstraintOutcome {
            ConstraintOutcome(name: "numa_node", requested: requested, applied: false, detail: detail)
        }
        guard let nodes = system_numa_nodes() else { return notApplied("libnuma reports no NUMA support on this host") }
        guard node < nodes else { return notApplied("this host has \(nodes) NUMA node\(nodes == 1 ? "" : "s") (0...\(nodes - 1)); node \(node) does not exist") }
        guard nodes > 1 else { return notApplied("only one NUMA node on this host: all memory is local, nothing to bind") }
        guard pid == 0 else { return notApplied("libnuma binds only the calling process; the worker binds itself") }
        guard system_numa_bind_memory(node: node) else { return notApplied("numa_set_membind to node \(node) did not take effect") }
        return ConstraintOutcome(name: "numa_node", requested: requested, applied: true,
                                 detail: "CPUs and memory bound to node \(node) (numa_set_membind, strict)")
    }
}

/// The memory the worker itself uses before the model loads (Swift runtime,
/// Foundation, libraries, thread stacks), added to the profile's cap so the cap
/// limits the model and not the runtime.
public enum RuntimeOverhead {
    /// Reads VmSize from `/proc/<pid>/status`; nil if unreadable.
    public static func addressSpaceBytes(pid: Int32? = nil) -> Int? {
        statusField("VmSize", pid: pid)
    }

    /// Peak resident memory (VmHWM) of `pid`, or of this process.
    public static func peakResidentBytes(pid: Int32? = nil) -> Int? {
        statusField("VmHWM", pid: pid)
    }

    /// Overhead to allow for a worker about to run `threads` threads: what is mapped
    /// now, a stack per thread (RLIMIT_STACK, as glibc reserves it), and 96 MiB for
    /// what the runtime maps lazily: Foundation maps ICU's data (~30 MiB) the first
    /// time it formats or compares text, Dispatch and the concurrency runtime start
    /// threads of their own. With 32 MiB, workers died in those maps, not in the
    /// model. The cap that matters is the static plan check; RLIMIT_AS is the backstop.
    public static func estimate(threads: Int) -> Int {
        let now = addressSpaceBytes() ?? 64 << 20
        var stack = rlimit()
        getrlimit(Int32(RLIMIT_STACK.rawValue), &stack)
        let stackBytes = stack.rlim_cur == rlim_t.max ? 8 << 20 : Int(stack.rlim_cur)
        return now + threads * stackBytes + (96 << 20)
    }

    static func statusField(_ field: String, pid: Int32?) -> Int? {
        let path = "/proc/\(pid.map(String.init) ?? "self")/status"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let number = line.dropFirst(field.count + 1).split(separator: " ").first.flatMap { Int($0) }
            return number.map { $0 * 1024 }  // the kernel reports kB
        }
        return nil
    }
}
