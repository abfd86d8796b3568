import Device
import Runtime

/// Bytes per memory level per node: where each tensor is served from.
///
/// The residency rule (docs/ESTIMATION.md): on-chip levels are TCM, SRAM and
/// caches; backing levels are DRAM and flash.
/// - Activations: if the planned footprint (arena + I/O + scratch) fits in an
///   on-chip level, they stay in the smallest such level across nodes. Otherwise a
///   node's activations (read + written, plus its streamed weights) are served from
///   the smallest on-chip level that holds that node's working set, and stream from
///   DRAM when none does (from the outermost on-chip level if there is no DRAM).
/// - Weights: from flash when the profile keeps them there; else resident in the
///   smallest on-chip level that holds weights + activation footprint (they stay
///   across inferences); else streamed from DRAM (or flash) every inference.
/// Each byte is counted once, at the level that serves it.
public struct DataMovementModel: Sendable {
    public let levels: [MemoryLevel]
    public let weightLevel: Int
    /// Level serving all activations, or nil when the footprint fits nowhere (per-node rule).
    public let activationLevel: Int?
    /// Why each tensor class lives where it does, for the result's warnings and docs.
    public let notes: [String]
    let onChip: [Int]
    let backing: Int

    public init(device: DeviceSpec, plan: MemoryPlanSummary, weightsInFlash: Bool) {
        let levels = device.memoryLevels
        self.levels = levels
        let onChipIdx = levels.indices.filter { [.tcm, .sram, .cache].contains(levels[$0].kind) }
            .sorted { levels[$0].sizeBytes < levels[$1].sizeBytes }
        onChip = onChipIdx
        let dram = levels.firstIndex { $0.kind == .dram }
        let flash = levels.firstIndex { $0.kind == .flash }
        let backingLevel = dram ?? onChipIdx.last ?? flash ?? max(0, levels.count - 1)
        let footprint = plan.ramBytesWeightsInFlash
        var notes: [String] = []
        let weight: Int
        let act = onChipIdx.first { levels[$0].sizeBytes >= footprint }
        activationLevel = act
        if let a = act {
            notes.append("activations (\(footprint) B) stay in \(levels[a].name)")
        } else {
            notes.append("activations (\(footprint) B) fit no on-chip level: per-node working sets, the rest streams from \(levels[backingLevel].name)")
        }
        if weightsInFlash, let f = flash {
            weight = f
            notes.append("weights are read from \(levels[f].name) every inference")
        } else if let w = onChipIdx.first(where: { levels[$0].sizeBytes >= plan.weightBytes + footprint }) {
            weight = w
            notes.append("weights (\(plan.weightBytes) B) stay resident in \(levels[w].name)")
        } else {
            weight = dram ?? flash ?? backingLevel
            notes.append("weights (\(plan.weightBytes) B) stream from \(levels[weight].name) every inference")
        }
        self.notes = notes
        self.weightLevel = weight
        self.backing = backingLevel
    }

    /// Bytes served by each level (indexed like `levels`) for one node.
    public func bytes(for node: NodeCounts) -> [Double] {
        var bytes = [Double](repeating: 0, count: levels.count)
        guard !levels.isEmpty else { return bytes }
        bytes[weightLevel] += Double(node.weightBytesRead)
        let activations = Double(node.activationBytesRead + node.bytesWritten)
        if let a = activationLevel {
            bytes[a] += activations
        } else {
            let streamedWeights = onChip.contains(weightLevel) ? 0 : node.weightBytesRead
            let workingSet = Int(node.activationBytesRead + node.bytesWritten + streamedWeights)
            let level = onChip.first { levels[$0].sizeBytes >= workingSet } ?? backing
            bytes[level] += activations
        }
        return bytes
    }

    /// Whether level `i` is off chip (DRAM or flash): the traffic cachegrind's LL misses approximate.
    public func isOffChip(_ i: Int) -> Bool { levels[i].kind == .dram || levels[i].kind == .flash }
}
