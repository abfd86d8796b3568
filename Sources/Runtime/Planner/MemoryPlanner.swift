/// One buffer the planner places: its size in bytes and the execution steps
/// (node indices, inclusive) during which it must keep its contents.
public struct BufferLifetime: Sendable, Hashable {
    public var size: Int
    /// Step of the node that writes it first.
    public var firstUse: Int
    /// Step of the last node that reads it (equal to `firstUse` when nothing does).
    public var lastUse: Int

    public init(size: Int, firstUse: Int, lastUse: Int) {
        precondition(size >= 0 && firstUse <= lastUse, "invalid buffer lifetime \(size) bytes [\(firstUse), \(lastUse)]")
        self.size = size; self.firstUse = firstUse; self.lastUse = lastUse
    }

    /// Whether both buffers are live at some common step.
    public func overlapsInTime(_ other: BufferLifetime) -> Bool {
        firstUse <= other.lastUse && other.firstUse <= lastUse
    }
}

/// Where each buffer goes in the one activation arena.
public struct MemoryPlan: Sendable, Hashable {
    /// Byte offset of buffer `i` in the arena, a multiple of `alignment`.
    public var offsets: [Int]
    /// Bytes the arena needs (a multiple of `alignment`).
    public var arenaBytes: Int
    /// Alignment of every offset.
    public var alignment: Int

    public init(offsets: [Int], arenaBytes: Int, alignment: Int) {
        self.offsets = offsets; self.arenaBytes = arenaBytes; self.alignment = alignment
    }

    /// True when two buffers that are live at the same step share bytes, or one
    /// leaves the arena: a planner bug. Zero-sized buffers never overlap. Public so
    /// that tests (and a debug check in the session) can assert on any plan, as
    /// tflite-micro's `DoAnyBuffersOverlap`.
    public func doAnyBuffersOverlap(_ buffers: [BufferLifetime]) -> Bool {
        precondition(buffers.count == offsets.count, "plan has \(offsets.count) offsets for \(buffers.count) buffers")
        for i in buffers.indices where buffers[i].size > 0 {
            if offsets[i] < 0 || offsets[i] + buffers[i].size > arenaBytes { return true }
            for j in buffers.indices where j > i && buffers[j].size > 0 && buffers[i].overlapsInTime(buffers[j]) {
                let disjoint = offsets[i] + buffers[i].size <= offsets[j] || offsets[j] + buffers[j].size <= offsets[i]
                if !disjoint { return true }
            }
        }
        return false
    }

    /// The largest total size of buffers live at one step: no plan can use less.
    public static func lowerBoundBytes(_ buffers: [BufferLifetime]) -> Int {
        // Sweep over start (+size) and end (-size, after the last step) events; at
        // equal steps, frees sort after allocations of the next step by using lastUse + 1.
        var events: [(step: Int, delta: Int)] = []
        events.reserveCapacity(buffers.count * 2)
        for b in buffers where b.size > 0 {
            events.append((b.firstUse, b.size))
            events.append((b.lastUse + 1, -b.size))
        }
        events.sort { $0.step != $1.step ? $0.step < $1.step : $0.delta < $1.delta }
        var live = 0, peak = 0
        for e in events {
            live += e.delta
            peak = max(peak, live)
        }
        return peak
    }
}

/// Decides where each planned buffer lives in the activation arena.
/// Implementations must return offsets for which `doAnyBuffersOverlap` is false.
public protocol MemoryPlanner: Sendable {
    func plan(_ buffers: [BufferLifetime]) -> MemoryPlan
}
