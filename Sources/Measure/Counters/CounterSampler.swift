import Runtime

/// Reads a `CounterGroup` around every run and every node.
///
/// Wiring (job runner): open the group before the session creates its thread pool,
/// make a sampler, pass it as the session's `NodeObserver`, and bracket each
/// measured run with `beginRun()` / `endRun()`:
///
/// ```swift
/// let group = CounterGroup(profileEvents: profile.counters)
/// let sampler = CounterSampler(group: group, nodeCount: counts.count)
/// for _ in 0..<runs { sampler.beginRun(); try session.run(inputs, observer: sampler); sampler.endRun() }
/// host.counters = sampler.runTotals(); host.nodeSeconds = sampler.nodeSeconds()
/// ```
///
/// The group is enabled in `beginRun` and disabled in `endRun` (two ioctls per
/// counter per run); per node the sampler only `read()`s the fds and accumulates the
/// difference, with no allocation. Node figures are deltas of the same counts the run
/// totals use. A `read(2)` of a counter costs about half a microsecond (more on a
/// virtual machine), which is several percent of a 150-node model taking 13 ms, so:
/// - one read per node: a node's "before" is the previous node's "after" (the few
///   instructions of the executor between two nodes go to the later node);
/// - by default page faults, context switches and migrations are counted per run
///   only (`runOnlyEvents`: they are zero per node in steady state); task-clock and
///   every hardware event are read per node. `nodeEvents` picks another subset.
/// Everything is averaged over the runs recorded since the last `reset()`.
public final class CounterSampler: NodeObserver {
    public let group: CounterGroup
    public let nodeCount: Int
    public let rapl: RAPLReader
    /// Indices (into `group.events`) read around every node.
    private let nodeIndices: [Int]
    private let width: Int
    private let before: UnsafeMutablePointer<UInt64>
    private let after: UnsafeMutablePointer<UInt64>
    private let runStart: UnsafeMutablePointer<UInt64>
    private let runTotal: UnsafeMutablePointer<UInt64>
    private let nodeTotal: UnsafeMutablePointer<UInt64>
    private var nodeSecondsTotal: [Double]
    private var runs = 0
    private var wallNs: UInt64 = 0, cpuNs: UInt64 = 0
    private var wallStart: UInt64 = 0, cpuStart: UInt64 = 0
    private var energyStart: [Double?] = []
    private var energyTotal: [Double] = []
    private var readFailures = 0
    /// The node whose `didRun` filled `after` in this run (-1: none yet).
    private var lastReadNode = -1

    /// Software events read per run only unless `nodeEvents` names them.
    public static let runOnlyEvents: Set<String> = ["page-faults", "context-switches", "cpu-migrations"]

    /// `nodeCount` is the number of executed nodes (the length of `[NodeCounts]`).
    /// `nodeEvents`: the event names read around each node (nil = every event that
    /// opened except `runOnlyEvents`; `[]` = none, run totals only).
    public init(group: CounterGroup, nodeCount: Int, nodeEvents: [String]? = nil, rapl: RAPLReader = RAPLReader()) {
        self.group = group; self.nodeCount = nodeCount; self.rapl = rapl
        nodeIndices = group.events.indices.filter {
            let name = group.events[$0].name
            return nodeEvents?.contains(name) ?? !CounterSampler.runOnlyEvents.contains(name)
        }
        width = 3 * group.events.count
        func zeroed(_ n: Int) -> UnsafeMutablePointer<UInt64> {
            let p = UnsafeMutablePointer<UInt64>.allocate(capacity: max(n, 1)); p.initialize(repeating: 0, count: max(n, 1)); return p
        }
        before = zeroed(width); after = zeroed(width); runStart = zeroed(width); runTotal = zeroed(width)
        nodeTotal = zeroed(width * nodeCount)
        nodeSecondsTotal = Array(repeating: 0, count: nodeCount)
        energyTotal = Array(repeating: 0, count: rapl.domains.count)
    }

    deinit {
        for p in [before, after, runStart, runTotal, nodeTotal] { p.deallocate() }
    }

    /// Forgets everything recorded (call after the warmup runs).
    public func reset() {
        runTotal.update(repeating: 0, count: max(width, 1))
        nodeTotal.update(repeating: 0, count: max(width * nodeCount, 1))
        for i in nodeSecondsTotal.indices { nodeSecondsTotal[i] = 0 }
        for i in energyTotal.indices { energyTotal[i] = 0 }
        runs = 0; wallNs = 0; cpuNs = 0; readFailures = 0
    }

    /// Enables the counters and notes where the run starts.
    public func beginRun() {
        energyStart = rapl.readJoules()
        try? group.enable()
        if group.readRaw(into: runStart) != nil { readFailures += 1 }
        lastReadNode = -1
        wallStart = system_monotonic_ns(); cpuStart = system_process_cpu_ns()
    }

    /// Reads the run's counts and disables the counters.
    public func endRun() {
        let cpu = system_process_cpu_ns(), wall = system_monotonic_ns()
        if group.readRaw(into: after) != nil { readFailures += 1 }
        try? group.disable()
        accumulate(into: runTotal, from: runStart)
        wallNs += wall - wallStart; cpuNs += cpu - cpuStart
        let energyEnd = rapl.readJoules()
        for i in energyTotal.indices {
            if let a = energyStart[i], let b = energyEnd[i] { energyTotal[i] += rapl.delta(domain: i, from: a, to: b) }
        }
        runs += 1
    }

    /// total += after − start, element-wise (wrapping: a counter never goes back,
    /// and a failed read zeroes both sides).
    @inline(__always)
    private func accumulate(into total: UnsafeMutablePointer<UInt64>, from start: UnsafeMutablePointer<UInt64>) {
        for j in 0..<width { total[j] &+= after[j] &- start[j] }
    }

    public func willRun(node index: Int) {
        if index > 0 && lastReadNode == index - 1 {
            for i in nodeIndices { for j in 3 * i..<3 * i + 3 { before[j] = after[j] } }
        } else if group.readRaw(into: before, indices: nodeIndices) != nil {
            readFailures += 1
        }
    }

    public func didRun(node index: Int, seconds: Double) {
        if group.readRaw(into: after, indices: nodeIndices) != nil {
            readFailures += 1
            lastReadNode = -1  // a zeroed "after" must not become the next node's "before"
        } else {
            lastReadNode = index
        }
        guard index >= 0 && index < nodeCount else { return }
        let total = nodeTotal + width * index
        for i in nodeIndices {
            for j in 3 * i..<3 * i + 3 { total[j] &+= after[j] &- before[j] }
        }
        nodeSecondsTotal[index] += seconds
    }

    /// Runs recorded since the last reset.
    public var recordedRuns: Int { runs }

    /// Counters per inference (mean over the recorded runs), one per requested event
    /// plus RAPL domains; unavailable ones carry errno and reason.
    public func runTotals() -> [CounterReading] {
        let raw = Array(UnsafeBufferPointer(start: runTotal, count: width))
        return group.readings(deltas: raw, divideBy: Double(max(runs, 1))) + raplReadings()
    }

    /// Counters per node per inference, same order as `[NodeCounts]` (the `nodeEvents` subset).
    public func nodeReadings() -> [[CounterReading]] {
        (0..<nodeCount).map { i in
            let raw = Array(UnsafeBufferPointer(start: nodeTotal + width * i, count: width))
            return group.readings(deltas: raw, divideBy: Double(max(runs, 1)), only: Set(nodeIndices))
        }
    }

    /// Mean wall time per node per inference as the executor measured it (s).
    public func nodeSeconds() -> [Double] { nodeSecondsTotal.map { $0 / Double(max(runs, 1)) } }

    /// Mean wall time per run between `beginRun` and `endRun` (s), measured.
    public var wallSecondsPerRun: Figure { Figure(Double(wallNs) / 1e9 / Double(max(runs, 1)), "s", .measured) }
    /// Mean CPU time of the whole process per run (s), measured with
    /// CLOCK_PROCESS_CPUTIME_ID; task-clock should agree with it.
    public var cpuSecondsPerRun: Figure { Figure(Double(cpuNs) / 1e9 / Double(max(runs, 1)), "s", .measured) }
    /// Reads that failed (a counter fd that errored mid-run); 0 in a healthy run.
    public var failedReads: Int { readFailures }

    private func raplReadings() -> [CounterReading] {
        if let reason = rapl.unavailableReason {
            return [CounterReading(event: RAPLReader.eventName, status: .unavailable(errno: reason.errno.rawValue, reason: reason.reason))]
        }
        return rapl.domains.enumerated().map { i, d in
            CounterReading(event: "\(RAPLReader.eventName):\(d.name)",
                           status: .counted(value: energyTotal[i] / Double(max(runs, 1)), timeEnabledNs: wallNs, timeRunningNs: wallNs))
        }
    }
}
