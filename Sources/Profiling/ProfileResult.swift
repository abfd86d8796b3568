import Device
import Measure
import Model
import Runtime

/// Everything one job produced. Stored by the daemon, printed by the CLI, read by
/// the gate. The JSON schema is documented in docs/RESULT-SCHEMA.md.
public struct ProfileResult: Sendable, Hashable, Codable {
    public static let schemaVersion = 1
    public var schemaVersion: Int = ProfileResult.schemaVersion
    public var model: ModelSummary
    public var profile: String
    public var device: String
    public var memory: MemoryReport
    public var host: HostRun
    public var estimate: Estimate
    /// Static per-node work counts (the modeled estimate's input).
    public var nodeCounts: [NodeCounts]
    /// Things a person should know: constraints not applied, counters missing...
    public var warnings: [String]

    public init(model: ModelSummary, profile: String, device: String, memory: MemoryReport, host: HostRun, estimate: Estimate, nodeCounts: [NodeCounts], warnings: [String]) {
        self.model = model; self.profile = profile; self.device = device; self.memory = memory
        self.host = host; self.estimate = estimate; self.nodeCounts = nodeCounts; self.warnings = warnings
    }
}

/// What the model is, independent of the device.
public struct ModelSummary: Sendable, Hashable, Codable {
    public var name: String
    public var sha256: String
    public var fileBytes: Int
    public var parameters: [DType: Int]
    public var parameterBytes: [DType: Int]
    public var macs: [DType: Int64]
    public init(name: String, sha256: String, fileBytes: Int, parameters: [DType: Int], parameterBytes: [DType: Int], macs: [DType: Int64]) {
        self.name = name; self.sha256 = sha256; self.fileBytes = fileBytes
        self.parameters = parameters; self.parameterBytes = parameterBytes; self.macs = macs
    }
}

/// The memory plan against the profile's caps.
public struct MemoryReport: Sendable, Hashable, Codable {
    public var plan: MemoryPlanSummary
    /// RAM the device needs (weights counted in RAM unless the profile keeps them in flash).
    public var peakRAMBytes: Int
    public var flashBytes: Int
    public var memoryCapBytes: Int?
    public var flashCapBytes: Int?
    public init(plan: MemoryPlanSummary, peakRAMBytes: Int, flashBytes: Int, memoryCapBytes: Int?, flashCapBytes: Int?) {
        self.plan = plan; self.peakRAMBytes = peakRAMBytes; self.flashBytes = flashBytes
        self.memoryCapBytes = memoryCapBytes; self.flashCapBytes = flashCapBytes
    }
}

/// What happened on the host: timings, counters and which constraints took effect.
public struct HostRun: Sendable, Hashable, Codable {
    public var runs: Int
    public var warmup: Int
    public var threads: Int
    /// Wall time per inference (s), measured.
    public var latencyMean: Figure
    public var latencyMedian: Figure
    public var latencyP90: Figure
    public var latencyMin: Figure
    /// Counters per inference (averaged over the measured runs).
    public var counters: [CounterReading]
    /// Per-node mean wall time on the host (s), measured; same order as nodeCounts.
    public var nodeSeconds: [Double]
    public var constraints: [AppliedConstraint]
    public init(runs: Int, warmup: Int, threads: Int, latencyMean: Figure, latencyMedian: Figure, latencyP90: Figure, latencyMin: Figure,
                counters: [CounterReading], nodeSeconds: [Double], constraints: [AppliedConstraint]) {
        self.runs = runs; self.warmup = warmup; self.threads = threads; self.latencyMean = latencyMean
        self.latencyMedian = latencyMedian; self.latencyP90 = latencyP90; self.latencyMin = latencyMin
        self.counters = counters; self.nodeSeconds = nodeSeconds; self.constraints = constraints
    }
}

/// One constraint of the profile and whether it was applied to the worker.
public struct AppliedConstraint: Sendable, Hashable, Codable {
    public var name: String
    /// The value asked for ("512 KiB", "1 core", "50 %").
    public var requested: String
    public var applied: Bool
    /// Why not, or how (e.g. "RLIMIT_AS = 41 MiB incl. 38 MiB runtime overhead").
    public var detail: String
    public init(name: String, requested: String, applied: Bool, detail: String) {
        self.name = name; self.requested = requested; self.applied = applied; self.detail = detail
    }
}
