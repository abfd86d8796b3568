import Device
import Runtime

extension Estimator {
    /// Host events that count last-level-cache misses (each a 64-byte line on x86 and
    /// most arm64 hosts), in the order they are preferred.
    static let llcMissEvents = ["perf::PERF_COUNT_HW_CACHE_LL:READ:MISS", "LLC-load-misses", "cache-misses"]
    static let hostLineBytes = 64.0

    /// Where two sources cover the same quantity, both with their ratio (modeled / other).
    /// `movement` is the estimate's own model: reused when it already is the
    /// cache-equivalent one, so a cache device's replay runs once per estimate.
    static func comparisons(_ input: EstimationInput, latency: Double, movement: DataMovementModel) -> [SourceComparison] {
        var result: [SourceComparison] = []
        let llcEvent = llcMissEvents.lazy.compactMap { name in input.hostCounters.first { $0.event == name && $0.value != nil } }.first
        var beyondLL = 0.0, beyondD1 = 0.0
        if input.simulated != nil || llcEvent != nil {
            // The cache-equivalent model: weights placed by capacity, not in flash, and
            // scratchpads replayed as caches, because cachegrind simulates every on-chip
            // level as a cache and does not know where weights are stored. The estimate's
            // model is that one already when it replayed (all on-chip levels caches).
            let cacheModel = !input.weightsInFlash && movement.replayed != nil ? movement
                : DataMovementModel(device: input.device, plan: input.plan, weightsInFlash: false,
                                    trace: input.trace, nodeIndices: input.counts.map(\.index), scratchpadsAsCaches: true)
            let onChip = input.device.memoryLevels.indices.filter { [.tcm, .sram, .cache].contains(input.device.memoryLevels[$0].kind) }
            let d1 = onChip.first
            for node in input.counts {
                let bytes = cacheModel.bytes(for: node)
                for l in bytes.indices {
                    if cacheModel.isOffChip(l) { beyondLL += bytes[l] }
                    if l != d1 && input.device.memoryLevels[l].kind != .registers { beyondD1 += bytes[l] }
                }
            }
        }
        if let sim = input.simulated {
            let c = sim.configuration
            result.append(SourceComparison(quantity: "data bytes beyond \(c.llLevel) (modeled vs cachegrind LL misses × \(c.ll.lineBytes) B)",
                                           a: Figure(beyondLL, "B", .modeled), b: sim.dataBytesBeyondLL))
            result.append(SourceComparison(quantity: "data bytes beyond \(c.d1Level) (modeled vs cachegrind D1 misses × \(c.d1.lineBytes) B)",
                                           a: Figure(beyondD1, "B", .modeled), b: sim.dataBytesBeyondD1))
        }
        if let event = llcEvent, let misses = event.value {
            result.append(SourceComparison(quantity: "DRAM bytes (modeled vs host \(event.event) × 64 B)",
                                           a: Figure(beyondLL, "B", .modeled), b: Figure(misses * hostLineBytes, "B", .measured)))
        }
        // Latency and energy are comparable with the host's only when the device is the host.
        if input.device.name == "host" {
            if let host = input.hostLatency {
                result.append(SourceComparison(quantity: "latency per inference (modeled vs host wall time)", a: Figure(latency, "s", .modeled), b: host))
            }
        }
        return result
    }
}
