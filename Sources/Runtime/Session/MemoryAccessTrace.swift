/// A contiguous range of bytes in one of the places a run touches.
public struct MemoryRegion: Sendable, Hashable {
    public enum Space: Int, Sendable, Hashable {
        /// Constant tensors (and the kernels' packed copies), laid out one after another.
        case weights
        /// The activation arena, at the planner's offsets.
        case arena
        /// Graph inputs and outputs, laid out one after another.
        case io
    }
    public var space: Space
    public var offset: Int
    public var bytes: Int

    public init(space: Space, offset: Int, bytes: Int) { self.space = space; self.offset = offset; self.bytes = bytes }
}

/// The regions one node reads and writes per run, in the order the counting rules
/// count them (docs/COUNTING.md): each distinct input once, then each output.
public struct NodeAccesses: Sendable, Hashable {
    public var reads: [MemoryRegion]
    public var writes: [MemoryRegion]

    public init(reads: [MemoryRegion], writes: [MemoryRegion]) { self.reads = reads; self.writes = writes }
}

extension ExecutionPlan {
    /// The planned layout replayed node by node: what a cache model needs to tell
    /// which bytes are still on chip when a node reads them. Sums per node equal
    /// `NodeCounts`' weight, activation and written bytes.
    func accessTrace() -> [NodeAccesses] {
        var weightOffset: [Int: Int] = [:], ioOffset: [Int: Int] = [:]
        var nextWeight = 0, nextIO = 0
        func weightRegion(key: Int, bytes: Int) -> MemoryRegion {
            let offset = weightOffset[key] ?? { let o = nextWeight; nextWeight += bytes; weightOffset[key] = o; return o }()
            return MemoryRegion(space: .weights, offset: offset, bytes: bytes)
        }
        func region(_ id: Int) -> MemoryRegion? {
            let bytes = valueBytes[id]
            switch homes[id] {
            case .constant: return weightRegion(key: id, bytes: bytes)
            case .arena(let offset): return MemoryRegion(space: .arena, offset: offset, bytes: bytes)
            case .input, .output:
                let offset = ioOffset[id] ?? { let o = nextIO; nextIO += bytes; ioOffset[id] = o; return o }()
                return MemoryRegion(space: .io, offset: offset, bytes: bytes)
            }
        }
        return steps.enumerated().map { index, step in
            var reads: [MemoryRegion] = [], seen = Set<Int>()
            for id in step.inputIDs where id >= 0 && seen.insert(id).inserted {
                if case .constant = homes[id], step.packedWeightBytes != nil { continue }
                if let r = region(id) { reads.append(r) }
            }
            // A kernel's packed weights are its own: keyed past every value id.
            if let packed = step.packedWeightBytes, packed > 0 {
                reads.insert(weightRegion(key: valueBytes.count + index, bytes: packed), at: 0)
            }
            return NodeAccesses(reads: reads, writes: step.outputIDs.compactMap(region))
        }
    }
}
