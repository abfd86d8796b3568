/// One counter's outcome for a run: a count, or the reason there is none.
/// An unavailable counter is never reported as zero.
public struct CounterReading: Sendable, Hashable, Codable {
    public enum Status: Sendable, Hashable, Codable {
        /// `value` is scaled by enabled/running time when the kernel multiplexed it.
        case counted(value: Double, timeEnabledNs: UInt64, timeRunningNs: UInt64)
        /// The event did not open or could not be read: errno and a plain reason.
        case unavailable(errno: Int32, reason: String)
    }
    /// The event name as the profile gives it (libpfm4 syntax).
    public var event: String
    public var status: Status
    /// Always `.measured` for host counters; `.simulated` for cachegrind's.
    public var source: Provenance

    public init(event: String, status: Status, source: Provenance = .measured) {
        self.event = event; self.status = status; self.source = source
    }

    /// The count, or nil when unavailable.
    public var value: Double? {
        if case .counted(let v, _, _) = status { return v }
        return nil
    }
    /// True when the kernel multiplexed the counter and the value is scaled.
    public var isScaled: Bool {
        if case .counted(_, let e, let r) = status { return r < e }
        return false
    }
}
