import Model

/// A deployment target, read from `profiles/<name>.yaml`: which device, what to
/// enforce on the host while the model runs, what to read, and optional budgets.
public struct DeviceProfile: Sendable, Hashable, Codable {
    public var name: String
    public var description: String
    /// Name of a file in devices/ (or `host`).
    public var device: String
    public var constraints: Constraints
    /// libpfm4 event names to read (`cycles`, `perf::PERF_COUNT_HW_CACHE_LL:READ:MISS`).
    public var counters: [String]
    public var runs: Int
    public var warmup: Int
    /// Run the job under cachegrind with the device's cache geometry as well.
    public var simulate: Bool
    public var budgets: Budgets

    public init(name: String, description: String, device: String, constraints: Constraints, counters: [String], runs: Int, warmup: Int, simulate: Bool, budgets: Budgets) {
        self.name = name; self.description = description; self.device = device; self.constraints = constraints
        self.counters = counters; self.runs = runs; self.warmup = warmup; self.simulate = simulate; self.budgets = budgets
    }
}

/// What a profile enforces on the host process.
public struct Constraints: Sendable, Hashable, Codable {
    /// RAM for activations, runtime buffers (and weights unless they live in flash).
    public var memoryCapBytes: Int?
    /// Flash for weights, where the device keeps weights in flash.
    public var flashCapBytes: Int?
    /// Weights are read from flash (MCUs) rather than copied to RAM.
    public var weightsInFlash: Bool
    /// Only integer arithmetic is allowed after lowering.
    public var integerOnly: Bool
    /// Cores the worker may use (its thread pool size and affinity).
    public var cores: Int
    /// CPU share per core in (0, 1]; 1 = unthrottled.
    public var cpuShare: Double
    /// NUMA node to bind CPUs and memory to.
    public var numaNode: Int?

    public init(memoryCapBytes: Int? = nil, flashCapBytes: Int? = nil, weightsInFlash: Bool = false, integerOnly: Bool = false, cores: Int = 1, cpuShare: Double = 1, numaNode: Int? = nil) {
        self.memoryCapBytes = memoryCapBytes; self.flashCapBytes = flashCapBytes; self.weightsInFlash = weightsInFlash
        self.integerOnly = integerOnly; self.cores = cores; self.cpuShare = cpuShare; self.numaNode = numaNode
    }
}

/// Limits a deployment must stay within; each nil is "no budget".
public struct Budgets: Sendable, Hashable, Codable {
    public var energyPerInferenceJoules: Double?
    public var latencySeconds: Double?
    public var peakRAMBytes: Int?
    public var flashBytes: Int?
    public init(energyPerInferenceJoules: Double? = nil, latencySeconds: Double? = nil, peakRAMBytes: Int? = nil, flashBytes: Int? = nil) {
        self.energyPerInferenceJoules = energyPerInferenceJoules; self.latencySeconds = latencySeconds
        self.peakRAMBytes = peakRAMBytes; self.flashBytes = flashBytes
    }
    public var isEmpty: Bool { energyPerInferenceJoules == nil && latencySeconds == nil && peakRAMBytes == nil && flashBytes == nil }
}
