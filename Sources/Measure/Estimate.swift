import Model

/// The modeled (and, where available, simulated / measured) cost of one inference
/// on the target device. The Measure module's estimators fill it.
public struct Estimate: Sendable, Hashable, Codable {
    /// Energy per inference on the device (J).
    public var energy: Figure
    /// Split of `energy` into compute, data movement and static terms (J).
    public var energyCompute: Figure
    public var energyDataMovement: Figure
    public var energyStatic: Figure
    /// Which of the three terms dominates ("compute", "data movement", "static").
    public var dominantTerm: String
    /// Latency per inference on the device (s).
    public var latency: Figure
    /// Bytes moved per memory level per inference.
    public var traffic: [LevelTraffic]
    /// One row per executed node.
    public var nodes: [NodeEstimate]
    /// The same quantity from two sources, side by side, with their ratio.
    public var comparisons: [SourceComparison]
    /// MACs per inference by dtype (exact runtime counts, so `modeled`).
    public var macs: [DType: Int64] = [:]
    /// What the estimate had to assume or could not credit (float MACs on an
    /// integer-only device, a dtype missing from the device file...).
    public var warnings: [String] = []

    public init(energy: Figure, energyCompute: Figure, energyDataMovement: Figure, energyStatic: Figure, dominantTerm: String,
                latency: Figure, traffic: [LevelTraffic], nodes: [NodeEstimate], comparisons: [SourceComparison],
                macs: [DType: Int64] = [:], warnings: [String] = []) {
        self.energy = energy; self.energyCompute = energyCompute; self.energyDataMovement = energyDataMovement
        self.energyStatic = energyStatic; self.dominantTerm = dominantTerm; self.latency = latency
        self.traffic = traffic; self.nodes = nodes; self.comparisons = comparisons
        self.macs = macs; self.warnings = warnings
    }
}

/// Bytes crossing one memory level per inference.
public struct LevelTraffic: Sendable, Hashable, Codable {
    public var level: String
    public var bytes: Figure
    public var energy: Figure
    public init(level: String, bytes: Figure, energy: Figure) { self.level = level; self.bytes = bytes; self.energy = energy }
}

/// Per-node modeled figures.
public struct NodeEstimate: Sendable, Hashable, Codable {
    public var index: Int
    public var name: String
    public var opType: String
    public var energy: Figure
    public var energyCompute: Figure
    public var energyDataMovement: Figure
    public var energyStatic: Figure
    public var latency: Figure
    /// "compute" or the name of the memory level that bounds the node (roofline).
    public var boundBy: String
    public var traffic: [LevelTraffic]
    /// MACs by dtype for this node (exact runtime counts).
    public var macs: [DType: Int64] = [:]
    /// The node's mean wall time on the host (measured), when the job ran it.
    public var hostSeconds: Figure? = nil
    /// Host counter deltas around the node per inference (measured), when read.
    public var hostCounters: [CounterReading] = []
    public init(index: Int, name: String, opType: String, energy: Figure, energyCompute: Figure, energyDataMovement: Figure,
                energyStatic: Figure, latency: Figure, boundBy: String, traffic: [LevelTraffic],
                macs: [DType: Int64] = [:], hostSeconds: Figure? = nil, hostCounters: [CounterReading] = []) {
        self.index = index; self.name = name; self.opType = opType; self.energy = energy; self.energyCompute = energyCompute
        self.energyDataMovement = energyDataMovement; self.energyStatic = energyStatic; self.latency = latency
        self.boundBy = boundBy; self.traffic = traffic
        self.macs = macs; self.hostSeconds = hostSeconds; self.hostCounters = hostCounters
    }
}

/// One quantity estimated by two sources; `ratio` = a / b is the estimator's error.
public struct SourceComparison: Sendable, Hashable, Codable {
    public var quantity: String
    public var a: Figure
    public var b: Figure
    public var ratio: Double?
    public init(quantity: String, a: Figure, b: Figure) {
        self.quantity = quantity; self.a = a; self.b = b
        ratio = b.value != 0 ? a.value / b.value : nil
    }
}
