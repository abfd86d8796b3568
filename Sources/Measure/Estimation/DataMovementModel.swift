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
///
/// Devices whose on-chip levels are all caches (phones, the Pi, the host), given the
/// run's access trace: the planned layout is replayed through an LRU cache of each
/// level's size (`LRUTraffic`) instead, so that weights streaming through a cache evict
/// activations, and an output read by the next node is found where it was written.
/// Level i then serves the bytes that miss level i−1 and hit level i; DRAM the rest.
public struct DataMovementModel: Sendable {
    public let levels: [MemoryLevel]
    public let weightLevel: Int
    /// Level serving all activations, or nil when the footprint fits nowhere (per-node rule).
    public let activationLevel: Int?
    /// Why each tensor class lives where it does, for the result's warnings and docs.
    public let notes: [String]
    let onChip: [Int]
    let backing: Int
    /// Bytes per level per node index from the LRU replay, when it applies.
    let replayed: [Int: [Double]]?

    /// `scratchpadsAsCaches`: replay SRAM and TCM as caches of their size too, as the
    /// simulated source does (cachegrind can only simulate caches); for comparisons.
    public init(device: DeviceSpec, plan: MemoryPlanSummary, weightsInFlash: Bool, trace: [NodeAccesses]? = nil, nodeIndices: [Int]? = nil,
                scratchpadsAsCaches: Bool = false) {
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
        self.weightLevel = weight
        self.backing = backingLevel
        let remainder = dram ?? flash
        if let trace, !weightsInFlash, let remainder, !onChipIdx.isEmpty,
           dram != nil && onChipIdx.allSatisfy({ levels[$0].kind == .cache }) || scratchpadsAsCaches {
            let replays = onChipIdx.map { LRUTraffic.replay(trace, capacity: levels[$0].sizeBytes) }
            var table: [Int: [Double]] = [:]
            for i in trace.indices {
                var bytes = [Double](repeating: 0, count: levels.count)
                var reaching = replays.first?.touched[i] ?? 0
                for (k, level) in onChipIdx.enumerated() {
                    bytes[level] += reaching - replays[k].missed[i]
                    reaching = replays[k].missed[i]
                }
                bytes[remainder] += reaching
                table[nodeIndices.map { i < $0.count ? $0[i] : i } ?? i] = bytes
            }
            replayed = table
            notes = ["LRU replay of the planned layout and the GEMMs' loop order through \(onChipIdx.map { levels[$0].name }.joined(separator: ", ")) "
                     + "(fully associative, \(LRUTraffic.blockBytes) B blocks, second of two inferences); the rest from \(levels[remainder].name)"]
        } else {
            replayed = nil
        }
        self.notes = notes
    }

    /// Bytes served by each level (indexed like `levels`) for one node.
    public func bytes(for node: NodeCounts) -> [Double] {
        if let replayed, let bytes = replayed[node.index] { return bytes }
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
