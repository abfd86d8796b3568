import SystemPackage

/// What this host can measure, and why not where it cannot. Served as
/// `GET /v1/host` and printed by `picojoule host`.
public struct HostCapabilities: Sendable, Hashable, Codable {
    /// One event the probe tried to open.
    public struct EventProbe: Sendable, Hashable, Codable {
        public var event: String
        /// libpfm4's canonical spelling, when the name encoded.
        public var encoding: String?
        public var software: Bool
        public var available: Bool
        /// errno of the failure (`ENOENT` → 2) and its symbolic description.
        public var errno: Int32?
        public var errnoName: String?
        public var reason: String?
        /// The counter ran and counted something (a quick spin was measured).
        public var counted: Double?
    }
    public var events: [EventProbe]
    /// True when at least one hardware event opened.
    public var hardwareCountersAvailable: Bool
    /// One line: why hardware counters are missing, or nil when they are present.
    public var hardwareCountersReason: String?
    public var onlineCPUs: Int
    /// NUMA nodes libnuma sees; nil when the kernel has no NUMA support.
    public var numaNodes: Int?
    /// /proc/sys/kernel/perf_event_paranoid, nil when unreadable.
    public var perfEventParanoid: Int?
    /// Whether the CPU reports running under a hypervisor (the `hypervisor` cpuinfo flag).
    public var virtualized: Bool
    public var raplAvailable: Bool
    public var raplDomains: [String]
    public var raplReason: String?
    /// Path of `valgrind` when installed (needed for simulated counters).
    public var valgrindPath: String?
    public var valgrindVersion: String?
    public var runningAsRoot: Bool
}

/// Tries every counter source on this host.
public enum HostProbe {
    /// Opens each event (the probe's hardware list, the software events and
    /// `extraEvents`), counts a short spin, and reports what opened and why not.
    public static func probe(extraEvents: [String] = []) -> HostCapabilities {
        var names = PerfEventEncoder.softwareEvents + PerfEventEncoder.probeHardwareEvents
        for e in extraEvents where !names.contains(e) { names.append(e) }
        let group = CounterGroup(events: names)
        try? group.enable()
        var x: UInt64 = 1
        for i in 0..<200_000 { x = x &* 6364136223846793005 &+ UInt64(i) }  // something to count
        try? group.disable()
        let readings = group.read()
        var probes: [HostCapabilities.EventProbe] = []
        for (name, reading) in zip(group.requested, readings) {
            let event = group.events.first { $0.name == name }
            let error = group.unavailable.first { $0.event == name }
            let software = event?.isSoftware ?? ((try? PerfEventEncoder.encode(name))?.isSoftware ?? false)
            probes.append(.init(event: name, encoding: event?.canonicalName ?? (try? PerfEventEncoder.encode(name))?.canonicalName,
                                software: software, available: event != nil,
                                errno: error?.errno.rawValue, errnoName: error.map { "\($0.errno)" },
                                reason: error?.reason, counted: x == 0 ? nil : reading.value))
        }
        let hardware = probes.filter { !$0.software }
        let hwAvailable = hardware.contains { $0.available }
        let hwReason: String? = hwAvailable ? nil : hardware.first?.reason.map {
            "hardware events do not open: \($0)" + (isVirtualized() ? " (the CPU reports a hypervisor)" : "")
        }
        let rapl = RAPLReader()
        let valgrind = Cachegrind.locateValgrind()
        return HostCapabilities(
            events: probes, hardwareCountersAvailable: hwAvailable, hardwareCountersReason: hwReason,
            onlineCPUs: system_online_cpus(), numaNodes: system_numa_nodes(), perfEventParanoid: perfEventParanoid(),
            virtualized: isVirtualized(), raplAvailable: rapl.unavailableReason == nil, raplDomains: rapl.domains.map(\.name),
            raplReason: rapl.unavailableReason?.reason, valgrindPath: valgrind,
            valgrindVersion: valgrind.flatMap { Cachegrind.version(valgrind: $0) }, runningAsRoot: getuidIsRoot())
    }

    /// /proc/sys/kernel/perf_event_paranoid.
    public static func perfEventParanoid() -> Int? {
        (try? system_read_text("/proc/sys/kernel/perf_event_paranoid").get()).flatMap { Int($0.trimmed) }
    }

    static func isVirtualized() -> Bool {
        guard let info = try? system_read_text("/proc/cpuinfo").get() else { return false }
        return info.split(separator: "\n").contains { $0.hasPrefix("flags") && $0.split(separator: " ").contains("hypervisor") }
    }

    static func getuidIsRoot() -> Bool {
        (try? system_read_text("/proc/self/status").get())?.split(separator: "\n")
            .first { $0.hasPrefix("Uid:") }?.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first == "0"
    }
}

extension HostCapabilities: CustomStringConvertible {
    /// The probe as `picojoule host` prints it: one line per event, then the host facts.
    public var description: String {
        var lines: [String] = []
        for p in events {
            let kind = p.software ? "sw" : "hw"
            if p.available {
                lines.append("  ok    \(kind)  \(p.event)")
            } else {
                lines.append("  no    \(kind)  \(p.event)  \(p.errnoName ?? "") — \(p.reason ?? "")")
            }
        }
        lines.insert("counters:", at: 0)
        lines.append(hardwareCountersAvailable ? "hardware counters: available" : "hardware counters: unavailable — \(hardwareCountersReason ?? "unknown reason"); figures come from simulation and the model")
        lines.append("cpus: \(onlineCPUs)   numa nodes: \(numaNodes.map(String.init) ?? "no NUMA")   perf_event_paranoid: \(perfEventParanoid.map(String.init) ?? "?")   root: \(runningAsRoot)   virtualized: \(virtualized)")
        lines.append(raplAvailable ? "RAPL: \(raplDomains.joined(separator: ", "))" : "RAPL: unavailable — \(raplReason ?? "")")
        lines.append(valgrindPath.map { "valgrind: \($0) \(valgrindVersion ?? "")" } ?? "valgrind: not installed (simulated counters unavailable; apt-get install valgrind)")
        return lines.joined(separator: "\n")
    }
}
