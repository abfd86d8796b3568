import Model

/// A piece of target hardware, read from `devices/<name>.yaml`. Every number in the
/// file carries its source; `sources` keeps them so results can cite them.
public struct DeviceSpec: Sendable, Hashable, Codable {
    public var name: String
    public var description: String
    /// CPU clusters (one for an MCU; big/little for a phone).
    public var clusters: [CoreCluster]
    /// Dtypes the device computes natively; others are not credited throughput
    /// (an integer-only NPU has no float entry).
    public var nativeDTypes: Set<DType>
    /// Accelerator, if the device has one (an Ethos-U55 class NPU, an Edge TPU).
    public var accelerator: Accelerator?
    /// Memory levels from the closest to the core outwards (TCM/L1, SRAM/L2, DRAM, flash).
    public var memoryLevels: [MemoryLevel]
    /// Arithmetic energy per MAC by dtype, picojoules.
    public var energyPerMAC: [DType: Double]
    /// Energy per non-MAC arithmetic op by dtype, picojoules (defaults to half a MAC).
    public var energyPerOp: [DType: Double]
    /// Power drawn regardless of work while the model runs (board, leakage), watts.
    public var staticPowerWatts: Double
    /// Active core power per MHz (run-mode current × supply), watts/MHz, where known.
    public var activePowerWattsPerMHz: Double?
    /// Field path → source (datasheet, paper, URL) for every number above.
    public var sources: [String: String]

    public init(name: String, description: String, clusters: [CoreCluster], nativeDTypes: Set<DType>, accelerator: Accelerator?,
                memoryLevels: [MemoryLevel], energyPerMAC: [DType: Double], energyPerOp: [DType: Double],
                staticPowerWatts: Double, activePowerWattsPerMHz: Double?, sources: [String: String]) {
        self.name = name; self.description = description; self.clusters = clusters; self.nativeDTypes = nativeDTypes
        self.accelerator = accelerator; self.memoryLevels = memoryLevels; self.energyPerMAC = energyPerMAC
        self.energyPerOp = energyPerOp; self.staticPowerWatts = staticPowerWatts
        self.activePowerWattsPerMHz = activePowerWattsPerMHz; self.sources = sources
    }
}

/// A group of identical cores.
public struct CoreCluster: Sendable, Hashable, Codable {
    public var name: String
    public var cores: Int
    public var clockHz: Double
    /// Sustained MACs per cycle per core by dtype (SIMD width included).
    public var macsPerCycle: [DType: Double]
    public init(name: String, cores: Int, clockHz: Double, macsPerCycle: [DType: Double]) {
        self.name = name; self.cores = cores; self.clockHz = clockHz; self.macsPerCycle = macsPerCycle
    }
}

/// A fixed-function accelerator (NPU, TPU).
public struct Accelerator: Sendable, Hashable, Codable {
    public var name: String
    public var clockHz: Double
    public var macsPerCycle: [DType: Double]
    /// Fraction of peak that real networks reach (Vela's estimate, a vendor benchmark).
    public var utilization: Double
    public init(name: String, clockHz: Double, macsPerCycle: [DType: Double], utilization: Double) {
        self.name = name; self.clockHz = clockHz; self.macsPerCycle = macsPerCycle; self.utilization = utilization
    }
}

/// One level of the memory hierarchy.
public struct MemoryLevel: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable { case registers, tcm, sram, cache, dram, flash }
    public var name: String
    public var kind: Kind
    public var sizeBytes: Int
    /// Cache line (or burst) size; used for cachegrind geometry and traffic rounding.
    public var lineBytes: Int
    /// Associativity for caches (cachegrind needs it); nil for scratchpads.
    public var associativity: Int?
    public var bandwidthBytesPerSecond: Double
    public var energyPerBytePicojoules: Double
    public init(name: String, kind: Kind, sizeBytes: Int, lineBytes: Int, associativity: Int?, bandwidthBytesPerSecond: Double, energyPerBytePicojoules: Double) {
        self.name = name; self.kind = kind; self.sizeBytes = sizeBytes; self.lineBytes = lineBytes
        self.associativity = associativity; self.bandwidthBytesPerSecond = bandwidthBytesPerSecond
        self.energyPerBytePicojoules = energyPerBytePicojoules
    }
}
