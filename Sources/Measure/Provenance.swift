/// Where a reported figure came from. Every number in a result carries one.
public enum Provenance: String, Sendable, Hashable, Codable {
    /// Read from the host's counters (perf_event_open, RAPL) or clocks while the model ran.
    case measured
    /// Counted by a simulator (cachegrind) running the same kernels with the device's caches.
    case simulated
    /// Computed from the runtime's exact per-node counts and the device model.
    case modeled
}

/// A number with its unit and its source.
public struct Figure: Sendable, Hashable, Codable {
    public var value: Double
    public var unit: String
    public var source: Provenance
    public init(_ value: Double, _ unit: String, _ source: Provenance) {
        self.value = value; self.unit = unit; self.source = source
    }
}
