import CLinux

/// A counter ready to open: a libpfm4 event name resolved to the kernel's
/// perf_event_attr fields.
public struct PerfEvent: Sendable, Hashable, Codable {
    /// The name as given (`cycles`, `perf::PERF_COUNT_HW_CACHE_LL:READ:MISS`).
    public var name: String
    /// libpfm4's fully qualified spelling, e.g. `perf::PERF_COUNT_HW_CPU_CYCLES:u=1:k=1:…`.
    public var canonicalName: String
    /// perf_event_attr.type (0 hardware, 1 software, 3 hw-cache, 4 raw, or a dynamic PMU).
    public var type: UInt32
    public var config: UInt64
    public var config1: UInt64
    public var config2: UInt64
    /// Counts only user space (kernel time excluded).
    public var excludeKernel: Bool

    /// True for the kernel's software events (task-clock, page-faults...), which open
    /// on any host, virtual or not.
    public var isSoftware: Bool { type == UInt32(PERF_TYPE_SOFTWARE.rawValue) }

    /// The attr to pass to perf_event_open: disabled, inherited by new threads, and
    /// read with enabled/running times so multiplexed counts can be scaled.
    var attr: perf_event_attr {
        var a = perf_event_attr()
        a.type = type
        a.config = config
        a.config1 = config1
        a.config2 = config2
        a.disabled = 1
        a.inherit = 1
        a.exclude_kernel = excludeKernel ? 1 : 0
        a.exclude_hv = 1
        // PERF_FORMAT_GROUP is not allowed with inherit, so each fd is read alone.
        a.read_format = UInt64(PERF_FORMAT_TOTAL_TIME_ENABLED.rawValue | PERF_FORMAT_TOTAL_TIME_RUNNING.rawValue)
        return a
    }
}

/// Resolves event names with libpfm4.
///
/// `pfm_initialize` runs once per process, on first use, behind Swift's lazy-global
/// once; the encoder itself holds no state.
public enum PerfEventEncoder {
    /// The four software events read on every run: they open on any host.
    public static let softwareEvents = ["task-clock", "page-faults", "context-switches", "cpu-migrations"]

    /// Hardware events the capability probe tries.
    public static let probeHardwareEvents = [
        "cycles", "instructions", "cache-references", "cache-misses", "branch-misses",
        "perf::PERF_COUNT_HW_CACHE_L1D:READ:MISS", "perf::PERF_COUNT_HW_CACHE_LL:READ:MISS",
    ]

    /// Resolves `name` to a `PerfEvent`. `includeKernel` counts kernel work too
    /// (needed for context switches and page-fault handling; needs root or
    /// perf_event_paranoid ≤ 1).
    /// The corresponding C function is `pfm_get_os_event_encoding(3)`.
    public static func encode(_ name: String, includeKernel: Bool = true) throws(PerfError) -> PerfEvent {
        let (attr, canonical) = try system_pfm_encode(name, kernel: includeKernel).get()
        return PerfEvent(name: name, canonicalName: canonical, type: attr.type, config: attr.config,
                         config1: attr.config1, config2: attr.config2, excludeKernel: attr.exclude_kernel != 0)
    }
}
