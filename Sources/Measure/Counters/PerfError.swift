import SystemPackage

/// Why a counter could not be encoded, opened, controlled or read.
///
/// One error type for the counter layer (STYLE rule 6): libpfm4 codes and errno
/// values are converted inside the wrappers, and `reason` says in plain words what
/// a person can do about it.
public struct PerfError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Kind: Hashable, Sendable {
        /// libpfm4 refused the name (PFM_ERR_NOTFOUND and friends).
        case libpfm(code: Int32, message: String)
        /// A system call failed.
        case system(Errno, operation: String)
        /// A host facility (RAPL, powercap) is missing; `Errno` says how.
        case missing(Errno, what: String)
    }

    /// The event name as given (libpfm4 syntax).
    public let event: String
    let kind: Kind

    init(event: String, _ kind: Kind) { self.event = event; self.kind = kind }

    /// The errno when a system call failed; `EINVAL` stands in for a name libpfm4 rejected
    /// so that a `CounterReading` always has one.
    public var errno: Errno {
        switch kind {
        case .libpfm: .invalidArgument
        case .system(let e, _), .missing(let e, _): e
        }
    }

    /// libpfm4's error code, when the failure was libpfm4's.
    public var libpfmCode: Int32? {
        if case .libpfm(let code, _) = kind { return code }
        return nil
    }

    /// A plain reason, with what to do about it.
    public var reason: String {
        switch kind {
        case .libpfm(_, let message):
            return "libpfm4 cannot encode the event (\(message)); check the name with `showevtinfo` from libpfm4's examples"
        case .missing(_, let what):
            return what
        case .system(let e, let operation):
            return PerfError.plainReason(for: e, operation: operation)
        }
    }

    public var description: String { "\(event): \(reason) [\(errno)]" }

    /// The `CounterReading` that reports this failure instead of a number.
    public func reading(source: Provenance = .measured) -> CounterReading {
        CounterReading(event: event, status: .unavailable(errno: errno.rawValue, reason: reason), source: source)
    }

    /// What an errno from perf_event_open(2) or its ioctls means for a user.
    static func plainReason(for e: Errno, operation: String) -> String {
        switch e {
        case .noSuchFileOrDirectory:
            return "PMU not available (virtualized host?): the kernel has no PMU for this event type"
        case .permissionDenied, .notPermitted:
            let level = HostProbe.perfEventParanoid().map(String.init) ?? "?"
            return "perf_event_paranoid=\(level) forbids it; run as root or lower /proc/sys/kernel/perf_event_paranoid"
        case .invalidArgument:
            return "the kernel rejected the event (unknown or unsupported encoding for this PMU)"
        case .notSupported:
            return "the PMU does not support this event or its modifiers (e.g. excluding the kernel)"
        case .operationNotSupportedByDevice:  // ENODEV
            return "no such PMU on this host"
        case .resourceBusy:
            return "the counter is in use by another tool (e.g. the NMI watchdog or a running perf)"
        case .noSpace:
            return "no counter slot left on the PMU"
        case .tooManyOpenFiles, .tooManyOpenFilesInSystem:
            return "out of file descriptors; raise RLIMIT_NOFILE"
        default:
            return "\(operation) failed: \(e)"
        }
    }
}
