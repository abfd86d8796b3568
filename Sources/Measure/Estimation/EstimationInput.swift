import Device
import Model
import Runtime

/// Everything the modeled estimate needs, plus the measured and simulated figures
/// it is compared with. The job runner fills it after the measured runs.
public struct EstimationInput: Sendable {
    /// Exact per-node work from the runtime, in execution order.
    public var counts: [NodeCounts]
    public var plan: MemoryPlanSummary
    public var device: DeviceSpec
    /// The profile keeps weights in flash (MCU): every weight byte is read from flash.
    public var weightsInFlash: Bool
    /// The profile allows only integer arithmetic: float MACs get no float throughput.
    public var integerOnly: Bool
    /// Cores the model may use on the device (the profile's `cores`).
    public var cores: Int
    /// Measured on the host, per node (same order as `counts`), when the job ran it.
    public var hostNodeSeconds: [Double]?
    public var hostNodeCounters: [[CounterReading]]?
    /// Measured per-inference counters (CounterSampler.runTotals()).
    public var hostCounters: [CounterReading]
    /// Measured host wall time per inference.
    public var hostLatency: Figure?
    /// Cachegrind's per-inference counts with this device's cache geometry.
    public var simulated: Cachegrind.Result?
    /// What each node reads and writes in the planned layout (`InferenceSession.accessTrace`),
    /// same order as `counts`: lets the data-movement model replay caches (nil: residency rule).
    public var trace: [NodeAccesses]?

    public init(counts: [NodeCounts], plan: MemoryPlanSummary, device: DeviceSpec, weightsInFlash: Bool = false,
                integerOnly: Bool = false, cores: Int = 1, hostNodeSeconds: [Double]? = nil,
                hostNodeCounters: [[CounterReading]]? = nil, hostCounters: [CounterReading] = [],
                hostLatency: Figure? = nil, simulated: Cachegrind.Result? = nil, trace: [NodeAccesses]? = nil) {
        self.counts = counts; self.plan = plan; self.device = device; self.weightsInFlash = weightsInFlash
        self.integerOnly = integerOnly; self.cores = cores; self.hostNodeSeconds = hostNodeSeconds
        self.hostNodeCounters = hostNodeCounters; self.hostCounters = hostCounters
        self.hostLatency = hostLatency; self.simulated = simulated; self.trace = trace
    }
}
