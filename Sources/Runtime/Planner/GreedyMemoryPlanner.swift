/// tflite-micro's greedy-by-size planner
/// (tensorflow/lite/micro/memory_planner/greedy_memory_planner.h).
///
/// Algorithm:
/// 1. Round every size up to `alignment` (64 bytes: one cache line, and what SIMD
///    loads want).
/// 2. Sort the buffers by size, largest first (ties: earlier first use, then
///    index, so the plan is deterministic).
/// 3. Place each buffer in turn: take the already placed buffers whose lifetimes
///    overlap its own, in offset order, and put it at the lowest offset where it
///    fits between (or after) them.
/// 4. The arena is the highest end offset.
///
/// Placing large buffers first leaves the small ones to fill the gaps. It is not
/// optimal (the problem is NP-hard) but on CNNs it lands within a few percent of
/// `MemoryPlan.lowerBoundBytes`. Cost: O(n² log n) for n buffers — models have
/// hundreds to a few thousand.
public struct GreedyMemoryPlanner: MemoryPlanner {
    /// Alignment of every offset, in bytes (a power of two).
    public var alignment: Int

    public init(alignment: Int = 64) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        self.alignment = alignment
    }

    public func plan(_ buffers: [BufferLifetime]) -> MemoryPlan {
        let sizes = buffers.map { alignUp($0.size) }
        let order = buffers.indices.sorted { a, b in
            if sizes[a] != sizes[b] { return sizes[a] > sizes[b] }
            if buffers[a].firstUse != buffers[b].firstUse { return buffers[a].firstUse < buffers[b].firstUse }
            return a < b
        }
        var offsets = [Int](repeating: 0, count: buffers.count)
        var placed: [Int] = []
        placed.reserveCapacity(buffers.count)
        var arena = 0
        for i in order where sizes[i] > 0 {
            let neighbours = placed
                .filter { buffers[$0].overlapsInTime(buffers[i]) }
                .sorted { offsets[$0] < offsets[$1] }
            var candidate = 0
            for n in neighbours {
                // Sorted by offset: once the gap before `n` fits, every later
                // neighbour starts after it too.
                if offsets[n] >= candidate + sizes[i] { break }
                candidate = max(candidate, offsets[n] + sizes[n])
            }
            offsets[i] = candidate
            arena = max(arena, candidate + sizes[i])
            placed.append(i)
        }
        return MemoryPlan(offsets: offsets, arenaBytes: arena, alignment: alignment)
    }

    private func alignUp(_ n: Int) -> Int { (n + alignment - 1) & ~(alignment - 1) }
}
