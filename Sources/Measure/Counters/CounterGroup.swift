import SystemPackage

/// A set of counters on the current process, each inherited by threads created
/// after it opens (so a thread pool started later is counted too).
///
/// Open the group *before* the inference session starts its thread pool: `inherit`
/// applies only to threads created after `perf_event_open`. Every event is its own
/// group with its own fd, because `inherit` forbids PERF_FORMAT_GROUP reads; each
/// fd is read with time_enabled/time_running so a multiplexed count is scaled and
/// flagged (`CounterReading.isScaled`). Events that do not open are kept with
/// their errno and a plain reason — never reported as zero.
public final class CounterGroup: Sendable {
    /// Events that opened, in the order their values are stored.
    public let events: [PerfEvent]
    /// Events that did not encode or open, with why.
    public let unavailable: [PerfError]
    /// Every requested name in request order, for reporting.
    public let requested: [String]
    let fds: [Int32]

    /// Encodes and opens `names` (libpfm4 syntax). Never throws for a single event:
    /// failures go to `unavailable`. An event that needs kernel counting and is
    /// refused (EACCES) is retried user-only.
    public init(events names: [String]) {
        var opened: [PerfEvent] = [], fds: [Int32] = [], failed: [PerfError] = []
        for name in names {
            switch CounterGroup.open(name) {
            case .success(let (event, fd)): opened.append(event); fds.append(fd)
            case .failure(let error): failed.append(error)
            }
        }
        self.events = opened; self.fds = fds; self.unavailable = failed; self.requested = names
    }

    /// The default set: the profile's events plus the four software events.
    public convenience init(profileEvents: [String]) {
        var names = PerfEventEncoder.softwareEvents
        for name in profileEvents where !names.contains(name) { names.append(name) }
        self.init(events: names)
    }

    deinit { for fd in fds { system_close(fd) } }

    static func open(_ name: String) -> Result<(PerfEvent, Int32), PerfError> {
        let event: PerfEvent
        do { event = try PerfEventEncoder.encode(name, includeKernel: true) } catch { return .failure(error) }
        var attr = event.attr
        switch system_perf_event_open(&attr) {
        case .success(let fd): return .success((event, fd))
        case .failure(let e) where e == .permissionDenied || e == .notPermitted:
            // Unprivileged: count user space only (perf's `:u`), which paranoid=2 allows.
            var userOnly = event
            userOnly.excludeKernel = true
            var userAttr = userOnly.attr
            switch system_perf_event_open(&userAttr) {
            case .success(let fd): return .success((userOnly, fd))
            case .failure(let e2): return .failure(PerfError(event: name, .system(e2, operation: "perf_event_open")))
            }
        case .failure(let e):
            return .failure(PerfError(event: name, .system(e, operation: "perf_event_open")))
        }
    }

    /// Starts counting on every open counter. The corresponding C call is
    /// `ioctl(PERF_EVENT_IOC_ENABLE)`.
    public func enable() throws(PerfError) { try control(.enable) }
    /// Stops counting. The corresponding C call is `ioctl(PERF_EVENT_IOC_DISABLE)`.
    public func disable() throws(PerfError) { try control(.disable) }
    /// Zeroes the counts (times keep running). The corresponding C call is
    /// `ioctl(PERF_EVENT_IOC_RESET)`.
    public func reset() throws(PerfError) { try control(.reset) }

    private func control(_ c: PerfControl) throws(PerfError) {
        for (i, fd) in fds.enumerated() {
            if case .failure(let e) = system_perf_control(fd, c) {
                throw PerfError(event: events[i].name, .system(e, operation: "ioctl(\(c))"))
            }
        }
    }

    /// Reads raw {value, enabled, running} triples for every open counter into
    /// `buffer` (3 × events.count UInt64s). No allocation: the sampler calls this
    /// around every node. Returns the index of the first counter that failed, if any.
    @inline(__always)
    func readRaw(into buffer: UnsafeMutablePointer<UInt64>) -> Int? {
        var failed: Int? = nil
        for i in 0..<fds.count where system_perf_read(fds[i], into: buffer + 3 * i).isFailure {
            buffer[3 * i] = 0; buffer[3 * i + 1] = 0; buffer[3 * i + 2] = 0
            if failed == nil { failed = i }
        }
        return failed
    }

    /// Like `readRaw`, for the counters at `indices` only (the per-node subset).
    @inline(__always)
    func readRaw(into buffer: UnsafeMutablePointer<UInt64>, indices: [Int]) -> Int? {
        var failed: Int? = nil
        for i in indices where system_perf_read(fds[i], into: buffer + 3 * i).isFailure {
            buffer[3 * i] = 0; buffer[3 * i + 1] = 0; buffer[3 * i + 2] = 0
            if failed == nil { failed = i }
        }
        return failed
    }

    /// Current counts: one reading per requested name, in request order, scaled by
    /// enabled/running time where the kernel multiplexed the counter.
    public func read() -> [CounterReading] {
        var raw = [UInt64](repeating: 0, count: 3 * fds.count)
        _ = raw.withUnsafeMutableBufferPointer { readRaw(into: $0.baseAddress!) }
        return readings(deltas: raw)
    }

    /// Readings from raw deltas laid out as `readRaw` writes them.
    func readings(deltas raw: [UInt64], divideBy runs: Double = 1, only: Set<Int>? = nil) -> [CounterReading] {
        var result: [CounterReading] = []
        for name in requested {
            if let i = events.firstIndex(where: { $0.name == name }) {
                if let only, !only.contains(i) { continue }
                result.append(CounterGroup.scaled(event: name, value: raw[3 * i], enabled: raw[3 * i + 1],
                                                  running: raw[3 * i + 2], divideBy: runs))
            } else if let error = unavailable.first(where: { $0.event == name }) {
                result.append(error.reading())
            }
        }
        return result
    }

    /// value × enabled / running, the kernel's recipe for a multiplexed counter. A
    /// counter that never ran reports unavailable (not zero).
    static func scaled(event: String, value: UInt64, enabled: UInt64, running: UInt64, divideBy runs: Double) -> CounterReading {
        guard running > 0 else {
            if enabled == 0 && value == 0 {
                // Never enabled in the window: a genuine zero-length window, not a count.
                return CounterReading(event: event, status: .counted(value: 0, timeEnabledNs: 0, timeRunningNs: 0))
            }
            return CounterReading(event: event, status: .unavailable(
                errno: Errno.resourceBusy.rawValue,
                reason: "the counter was enabled but never scheduled on the PMU (all slots taken)"))
        }
        let scaledValue = running < enabled ? Double(value) * Double(enabled) / Double(running) : Double(value)
        return CounterReading(event: event, status: .counted(value: scaledValue / runs, timeEnabledNs: enabled, timeRunningNs: running))
    }
}

extension Result {
    var isFailure: Bool { if case .failure = self { return true } else { return false } }
}
