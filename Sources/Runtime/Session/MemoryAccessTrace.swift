/// A contiguous range of bytes in one of the places a run touches.
public struct MemoryRegion: Sendable, Hashable {
    public enum Space: Int, Sendable, Hashable {
        /// Constant tensors (and the kernels' packed copies), laid out one after another.
        case weights
        /// The activation arena, at the planner's offsets.
        case arena
        /// Graph inputs and outputs, laid out one after another.
        case io
        /// The kernels' shared scratch buffer (packing buffers), from offset 0.
        case scratch
    }
    public var space: Space
    public var offset: Int
    public var bytes: Int

    public init(space: Space, offset: Int, bytes: Int) { self.space = space; self.offset = offset; self.bytes = bytes }
}

/// One step of the order in which a kernel touches memory, as a cache model replays it.
public enum AccessStep: Sendable, Hashable {
    case read(MemoryRegion)
    case write(MemoryRegion)
    /// `region`, just touched, is swept `times` more times in a row, with `between`
    /// bytes of other data touched between two sweeps (a GEMM's A block, once per
    /// column strip). Kept symbolic because expanding it costs a replay as much as the
    /// kernel's inner loops: an LRU cache keeps the region across sweeps exactly when
    /// region + between fit.
    case reread(MemoryRegion, times: Int, between: Int)
}

/// The regions one node reads and writes per run, in the order the counting rules
/// count them (docs/COUNTING.md): each distinct input once, then each output.
public struct NodeAccesses: Sendable, Hashable {
    public var reads: [MemoryRegion]
    public var writes: [MemoryRegion]
    /// The kernel's own loop order over those regions and its scratch, for kernels that
    /// touch operands more than once (blocked GEMMs); nil: each region once (`replaySteps`).
    public var kernelSteps: [AccessStep]?

    public init(reads: [MemoryRegion], writes: [MemoryRegion], kernelSteps: [AccessStep]? = nil) {
        self.reads = reads; self.writes = writes; self.kernelSteps = kernelSteps
    }

    /// The steps a cache model replays: the kernel's, or each region once, inputs and
    /// outputs advancing together in slices. Streaming kernels (copies, elementwise ops,
    /// pools, depthwise convs) interleave their reads and writes, and the order matters
    /// to an LRU cache that holds only part of both: the writes then evict the input just
    /// ahead of the read position, which all-reads-then-all-writes would never show.
    public var replaySteps: [AccessStep] {
        if let kernelSteps { return kernelSteps }
        let largest = (reads + writes).map(\.bytes).max() ?? 0
        let slices = min(NodeAccesses.maximumSlices, max(1, largest / NodeAccesses.sliceBytes))
        if slices == 1 { return reads.map(AccessStep.read) + writes.map(AccessStep.write) }
        func slice(_ r: MemoryRegion, _ i: Int) -> MemoryRegion {
            let lo = r.bytes * i / slices, hi = r.bytes * (i + 1) / slices
            return MemoryRegion(space: r.space, offset: r.offset + lo, bytes: hi - lo)
        }
        var steps: [AccessStep] = []
        steps.reserveCapacity(slices * (reads.count + writes.count))
        for i in 0..<slices {
            for r in reads { steps.append(.read(slice(r, i))) }
            for w in writes { steps.append(.write(slice(w, i))) }
        }
        return steps
    }

    static let sliceBytes = 16 << 10
    static let maximumSlices = 256
}

/// A kernel that can describe its loop order over memory (`NodeAccesses.kernelSteps`).
protocol KernelAccessPattern {
    /// `inputs` per input position (nil: omitted, or replaced by `packedWeights`).
    func accessSteps(inputs: [MemoryRegion?], outputs: [MemoryRegion], packedWeights: MemoryRegion?) -> [AccessStep]?
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
            if step.movesNothing { return NodeAccesses(reads: [], writes: [], kernelSteps: nil) }
            var reads: [MemoryRegion] = [], seen = Set<Int>()
            var inputs: [MemoryRegion?] = []
            for id in step.inputIDs {
                if id < 0 { inputs.append(nil); continue }
                if case .constant = homes[id], step.packedWeightBytes != nil { inputs.append(nil); continue }
                let r = region(id)
                inputs.append(r)
                if seen.insert(id).inserted, let r { reads.append(r) }
            }
            // A kernel's packed weights are its own: keyed past every value id.
            var packed: MemoryRegion?
            if let bytes = step.packedWeightBytes, bytes > 0 {
                packed = weightRegion(key: valueBytes.count + index, bytes: bytes)
                reads.insert(packed!, at: 0)
            }
            let writes = step.outputIDs.compactMap(region)
            let pattern = (step.kernel as? any KernelAccessPattern)?.accessSteps(inputs: inputs, outputs: writes, packedWeights: packed)
            return NodeAccesses(reads: reads, writes: writes, kernelSteps: pattern)
        }
    }
}
