import Model

/// Where a value's bytes live during a run.
enum ValueHome {
    /// An initializer: its own storage, for the session's lifetime.
    case constant(Tensor)
    /// A graph input: the caller's tensor (index into `ExecutionPlan.inputs`).
    case input(Int)
    /// A graph output produced by a node: a tensor handed back to the caller.
    case output(Int)
    /// An intermediate at a planned offset in the arena.
    case arena(offset: Int)
}

/// One node ready to run: its kernel and the value ids it reads and writes.
struct ExecutionStep {
    let kernel: any Kernel
    /// Value id per input position; -1 for an omitted optional input.
    let inputIDs: [Int]
    let outputIDs: [Int]
    /// Bytes of the kernel's own copy of its weights (packed), replacing its constant inputs.
    var packedWeightBytes: Int? = nil
    /// A copy-only node whose output shares its input's buffer (`aliasCopies`): the
    /// kernel finds both at one address and moves nothing.
    var movesNothing = false
}

/// A graph output that no node writes (it is a graph input or an initializer):
/// copied into the output tensor after the nodes have run.
struct OutputCopy {
    let outputIndex: Int
    let sourceID: Int
}

/// Everything `InferenceSession` decided at build time. Built once by
/// `ExecutionPlan.build`; `run` only reads it.
struct ExecutionPlan {
    var inputs: [ValueInfo] = []
    var outputs: [ValueInfo] = []
    var inputIDs: [Int] = []
    /// Value id of each output (the source value for copied outputs).
    var outputIDs: [Int] = []
    var homes: [ValueHome] = []
    var steps: [ExecutionStep] = []
    var copies: [OutputCopy] = []
    var nodeCounts: [NodeCounts] = []
    var memory = MemoryPlanSummary(arenaBytes: 0, lowerBoundBytes: 0, weightBytes: 0, modelWeightBytes: 0, ioBytes: 0, scratchBytes: 0)
    /// The planner's buffers and offsets, kept so tests and debug checks can verify them.
    var buffers: [BufferLifetime] = []
    /// Bytes of every value, indexed by value id.
    var valueBytes: [Int] = []
    var arenaPlan = MemoryPlan(offsets: [], arenaBytes: 0, alignment: 64)
    var maxInputs = 0
    var maxOutputs = 0
}

extension ExecutionPlan {
    /// Prepares every node's kernel, checks integer-only mode, and plans the arena.
    /// Follows tflite-micro's two phases: `beginAllocation` (kernels prepared, value
    /// lifetimes and scratch known) then `finishAllocation` (arena offsets fixed).
    static func build(graph: Graph, options: SessionOptions, registry: KernelRegistry,
                      planner: any MemoryPlanner) throws -> ExecutionPlan {
        var builder = ExecutionPlanBuilder(graph: graph, options: options, registry: registry)
        try builder.beginAllocation()
        return builder.finishAllocation(planner: planner)
    }
}

/// The working state of `ExecutionPlan.build`.
struct ExecutionPlanBuilder {
    let graph: Graph
    let options: SessionOptions
    let registry: KernelRegistry
    var plan = ExecutionPlan()
    var ids: [String: Int] = [:]
    var types: [TensorType] = []
    /// Per value: the node step that writes it and the last step that reads it.
    var producer: [Int] = []
    var lastUse: [Int] = []
    var violations: [IntegerOnlyViolation] = []
    var packedWeightBytes = 0
    var readConstants: Set<Int> = []
    var scratchBytes = 0

    init(graph: Graph, options: SessionOptions, registry: KernelRegistry) {
        self.graph = graph; self.options = options; self.registry = registry
    }

    private mutating func addValue(_ name: String, type: TensorType, home: ValueHome) -> Int {
        let id = types.count
        ids[name] = id
        types.append(type)
        plan.homes.append(home)
        producer.append(-1)
        lastUse.append(-1)
        return id
    }

    mutating func beginAllocation() throws {
        plan.inputs = graph.inputs
        var seenOutputs = Set<String>()
        plan.outputs = graph.outputs.filter { seenOutputs.insert($0.name).inserted }
        let outputIndex = Dictionary(plan.outputs.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, input) in graph.inputs.enumerated() where ids[input.name] == nil {
            plan.inputIDs.append(addValue(input.name, type: input.type, home: .input(i)))
        }
        for (name, tensor) in graph.initializers.sorted(by: { $0.key < $1.key }) where ids[name] == nil {
            _ = addValue(name, type: TensorType(dtype: tensor.dtype, shape: tensor.shape), home: .constant(tensor))
        }
        for (step, node) in graph.nodes.enumerated() {
            try prepare(node, step: step, outputIndex: outputIndex)
        }
        if !violations.isEmpty { throw SessionError.integerOnlyViolations(violations) }
        for (i, output) in plan.outputs.enumerated() {
            guard let id = ids[output.name] else { throw SessionError.undefinedValue(name: output.name, node: "graph output") }
            plan.outputIDs.append(id)
            // The tensor handed back has the type the graph computes, which binds
            // any symbolic dimension the declaration left open.
            plan.outputs[i].type = types[id]
            if producer[id] < 0 { plan.copies.append(OutputCopy(outputIndex: i, sourceID: id)) }
        }
    }

    private mutating func prepare(_ node: Node, step: Int, outputIndex: [String: Int]) throws {
        var inputIDs: [Int] = []
        var inputTypes: [TensorType?] = []
        var constants: [Tensor?] = []
        for name in node.inputs {
            guard !name.isEmpty else { inputIDs.append(-1); inputTypes.append(nil); constants.append(nil); continue }
            guard let id = ids[name] else { throw SessionError.undefinedValue(name: name, node: node.name) }
            inputIDs.append(id)
            inputTypes.append(types[id])
            if case let .constant(tensor) = plan.homes[id] { constants.append(tensor) } else { constants.append(nil) }
            lastUse[id] = max(lastUse[id], step)
        }
        // Trailing omitted outputs (Dropout's mask, BatchNormalization's training
        // outputs) are simply not there; an omitted one in the middle has no type.
        var outputNames = node.outputs
        while outputNames.last == "" { outputNames.removeLast() }
        var outputTypes: [TensorType] = []
        for name in outputNames {
            guard !name.isEmpty, let type = graph.valueTypes[name] else {
                throw SessionError.missingValueType(name: name, node: node.name)
            }
            outputTypes.append(type)
        }
        var trimmed = node
        trimmed.outputs = outputNames
        let selector = inputTypes.lazy.compactMap { $0 }.first?.dtype ?? outputTypes.first?.dtype ?? .float32
        let key = KernelKey(node.opType, domain: node.domain, dtype: selector)
        guard let factory = registry.factory(for: key) else {
            throw KernelError.unsupportedOperator(node: node.name, opType: node.opType, domain: node.domain, dtype: selector)
        }
        let opset = key.domain.isEmpty ? graph.opset : (graph.opsets[key.domain] ?? 1)
        let signature = KernelSignature(node: trimmed, inputTypes: inputTypes, outputTypes: outputTypes,
                                        constants: constants, options: options, opset: opset)
        let prepared = try factory(signature)

        var outputIDs: [Int] = []
        for (k, name) in outputNames.enumerated() {
            let home: ValueHome = outputIndex[name].map { .output($0) } ?? .arena(offset: 0)
            if ids[name] != nil { throw SessionError.duplicateValue(name: name, node: node.name) }
            let id = addValue(name, type: outputTypes[k], home: home)
            producer[id] = step
            outputIDs.append(id)
        }
        plan.steps.append(ExecutionStep(kernel: prepared.kernel, inputIDs: inputIDs, outputIDs: outputIDs,
                                        packedWeightBytes: prepared.packedWeightBytes))
        plan.maxInputs = max(plan.maxInputs, inputIDs.count)
        plan.maxOutputs = max(plan.maxOutputs, outputIDs.count)
        scratchBytes = max(scratchBytes, prepared.scratchBytes)
        count(node, step: step, inputIDs: inputIDs, outputIDs: outputIDs, prepared: prepared)
        checkIntegerOnly(node, step: step, inputIDs: inputIDs, outputIDs: outputIDs, prepared: prepared)
    }

    /// Per-node counts, following docs/COUNTING.md: each distinct input value is
    /// read once per run; constants are "weights" unless the kernel holds its own
    /// packed copy, whose size then replaces them.
    private mutating func count(_ node: Node, step: Int, inputIDs: [Int], outputIDs: [Int], prepared: PreparedKernel) {
        var weightBytes = 0, activationBytes = 0
        var distinct = Set<Int>()
        for id in inputIDs where id >= 0 && distinct.insert(id).inserted {
            if case .constant = plan.homes[id] {
                weightBytes += types[id].byteCount
                if prepared.packedWeightBytes == nil { readConstants.insert(id) }
            } else {
                activationBytes += types[id].byteCount
            }
        }
        if let packed = prepared.packedWeightBytes {
            weightBytes = packed
            packedWeightBytes += packed
        }
        plan.nodeCounts.append(NodeCounts(
            index: step, name: node.name, opType: node.opType, computeType: prepared.computeType,
            inputTypes: inputIDs.filter { $0 >= 0 }.map { types[$0].dtype },
            outputTypes: outputIDs.map { types[$0].dtype },
            macs: prepared.macs, ops: prepared.ops,
            weightBytesRead: Int64(weightBytes), activationBytesRead: Int64(activationBytes),
            bytesWritten: Int64(outputIDs.reduce(0) { $0 + types[$1].byteCount })))
    }

    private mutating func checkIntegerOnly(_ node: Node, step: Int, inputIDs: [Int], outputIDs: [Int], prepared: PreparedKernel) {
        guard options.integerOnly, prepared.computeType.isFloatingPoint else { return }
        if options.allowFloatIO {
            // Quantizing a graph input and dequantizing a graph output happen at the
            // boundary, on the host side of a real deployment.
            if node.opType == "QuantizeLinear", let first = inputIDs.first, first >= 0,
               case .input = plan.homes[first] { return }
            if node.opType == "DequantizeLinear", !outputIDs.isEmpty,
               outputIDs.allSatisfy({ if case .output = plan.homes[$0] { true } else { false } }) { return }
        }
        let operandTypes = inputIDs.filter { $0 >= 0 }.map { "\(types[$0].dtype)" }.joined(separator: ", ")
        violations.append(IntegerOnlyViolation(
            index: step, node: node.name, opType: node.opType, computeType: prepared.computeType,
            reason: "its kernel computes in \(prepared.computeType) (inputs: \(operandTypes))",
            hint: IntegerOnlyViolation.hint(for: node.opType)))
    }

    /// Copy-only nodes (Reshape, Flatten, Squeeze, Unsqueeze, Identity) whose input is an
    /// intermediate read last by that node: the output takes over the input's buffer, so
    /// the copy moves nothing (ShuffleNet's channel shuffles: 4 % of the model). Zeroes
    /// the aliased nodes' byte counts (docs/COUNTING.md).
    private mutating func aliasCopies(_ aliases: inout BufferAliases) {
        for (index, step) in plan.steps.enumerated() {
            guard let copy = step.kernel as? CopyKernel, copy.maskBytes == 0,
                  let src = step.inputIDs.first, src >= 0, step.outputIDs.count == 1 else { continue }
            let dst = step.outputIDs[0]
            guard case .arena = plan.homes[src], case .arena = plan.homes[dst], lastUse[src] == index,
                  types[src].byteCount == types[dst].byteCount else { continue }
            aliases.place(dst, in: src, at: 0)
            markMovesNothing(index)
        }
    }

    /// Convs with a fused residual Add whose residual is an intermediate read last by that
    /// conv (ResNet's shortcut into the last conv of each block): the output takes over the
    /// residual's buffer. Each output line is then one miss, read as the residual and
    /// written back, instead of a residual line and an output line; onnxruntime's NCHWc
    /// convs accumulate into their Sum input the same way. The kernel must read every
    /// residual element in the tile that then stores it (`ConvKernel.storesOverResidual`),
    /// and the residual's buffer must hold none of the conv's other inputs, nor a value read
    /// later (a Concat's output holding the residual as a block). The output must own
    /// its buffer (not be a Concat's block itself).
    private mutating func aliasResiduals(_ aliases: inout BufferAliases) {
        for (index, step) in plan.steps.enumerated() {
            guard let conv = step.kernel as? ConvKernel, conv.storesOverResidual, step.inputIDs.count == 4,
                  step.outputIDs.count == 1 else { continue }
            let r = step.inputIDs[3], y = step.outputIDs[0]
            guard r >= 0, case .arena = plan.homes[r], case .arena = plan.homes[y], lastUse[r] == index,
                  types[r].byteCount == types[y].byteCount, aliases.root(of: y).root == y else { continue }
            let root = aliases.root(of: r).root
            guard step.inputIDs[..<3].allSatisfy({ $0 < 0 || aliases.root(of: $0).root != root }),
                  types.indices.allSatisfy({ aliases.root(of: $0).root != root || lastUse[$0] <= index }) else { continue }
            aliases.place(y, in: r, at: 0)
        }
    }

    /// A cache line: what the planner aligns every buffer to, and so every block.
    static let blockAlignment = 64

    /// Concats whose inputs are contiguous blocks of the output (every dimension before
    /// the axis is 1, as at batch 1 on the channel axis): each input is produced straight
    /// into its block of the output's buffer, and the Concat moves nothing. SqueezeNet's
    /// fire modules and DenseNet's dense blocks concatenate every layer's output: there the
    /// copies were 2 % of the run and DenseNet's grew with every layer of a block.
    /// All or none of a Concat's inputs are placed: each must be an intermediate that
    /// owns a whole buffer (its root, or a dying Reshape of one), appear once, and
    /// start at a 64-byte multiple, the arena's alignment.
    private mutating func aliasConcats(_ aliases: inout BufferAliases) {
        for (index, step) in plan.steps.enumerated() {
            guard let concat = step.kernel as? ConcatKernel, concat.outer == 1, step.outputIDs.count == 1,
                  case .arena = plan.homes[step.outputIDs[0]], !step.inputIDs.isEmpty else { continue }
            let y = step.outputIDs[0]
            var placements: [(root: Int, offset: Int)] = []
            var roots = Set<Int>()
            var at = 0
            for x in step.inputIDs {
                guard x >= 0, case .arena = plan.homes[x] else { placements = []; break }
                let (root, inside) = aliases.root(of: x)
                let bytes = types[x].byteCount
                guard inside == 0, bytes > 0, at % Self.blockAlignment == 0, types[root].byteCount == bytes,
                      root != y, roots.insert(root).inserted else { placements = []; break }
                placements.append((root, at))
                at += bytes
            }
            guard placements.count == step.inputIDs.count, at == types[y].byteCount else { continue }
            for p in placements { aliases.place(p.root, in: y, at: p.offset) }
            markMovesNothing(index)
        }
    }

    private mutating func markMovesNothing(_ index: Int) {
        plan.steps[index].movesNothing = true
        plan.nodeCounts[index].activationBytesRead = 0
        plan.nodeCounts[index].bytesWritten = 0
    }

    /// Fixes arena offsets for every intermediate and fills in the memory summary.
    mutating func finishAllocation(planner: any MemoryPlanner) -> ExecutionPlan {
        var aliases = BufferAliases(count: types.count)
        aliasCopies(&aliases)
        aliasConcats(&aliases)
        // After the Concats: a residual placed in a Concat's block must not be overwritten
        // while the Concat's output is still read, which the last-use test below sees.
        aliasResiduals(&aliases)
        // A shared buffer lives from the first producer of a value in it to the last read
        // of one.
        var start = producer
        var end = [Int](repeating: -1, count: types.count)
        for id in types.indices {
            let root = aliases.root(of: id).root
            end[root] = max(end[root], producer[id], lastUse[id])
            if producer[id] >= 0 { start[root] = start[root] < 0 ? producer[id] : min(start[root], producer[id]) }
        }
        var arenaIDs: [Int] = []
        var buffer: [Int: Int] = [:]
        for id in plan.homes.indices where aliases.root(of: id).root == id {
            guard case .arena = plan.homes[id] else { continue }
            buffer[id] = arenaIDs.count
            arenaIDs.append(id)
            plan.buffers.append(BufferLifetime(size: types[id].byteCount, firstUse: start[id], lastUse: end[id]))
        }
        plan.arenaPlan = planner.plan(plan.buffers)
        plan.valueBytes = types.map(\.byteCount)
        for id in plan.homes.indices {
            let (root, inside) = aliases.root(of: id)
            guard case .arena = plan.homes[id], let k = buffer[root] else { continue }
            plan.homes[id] = .arena(offset: plan.arenaPlan.offsets[k] + inside)
        }

        var modelWeights = 0
        for tensor in graph.initializers.values { modelWeights += tensor.byteCount }
        let unpacked = readConstants.reduce(0) { $0 + types[$1].byteCount }
        let io = plan.inputIDs.reduce(0) { $0 + types[$1].byteCount }
            + plan.outputs.reduce(0) { $0 + $1.type.byteCount }
        plan.memory = MemoryPlanSummary(
            arenaBytes: plan.arenaPlan.arenaBytes, lowerBoundBytes: MemoryPlan.lowerBoundBytes(plan.buffers),
            weightBytes: unpacked + packedWeightBytes, modelWeightBytes: modelWeights,
            ioBytes: io, scratchBytes: scratchBytes)
        return plan
    }
}

/// Values that live inside another value's buffer: `parent[v]`'s bytes from `offset[v]`
/// on (a value that owns its buffer is its own parent). Built by `aliasCopies`,
/// `aliasResiduals` and `aliasConcats`, resolved once the arena offsets are known.
struct BufferAliases {
    private var parent: [Int]
    private var offset: [Int]

    init(count: Int) {
        parent = Array(0..<count)
        offset = Array(repeating: 0, count: count)
    }

    /// The value whose buffer holds `v`, and where in it `v` starts.
    func root(of v: Int) -> (root: Int, offset: Int) {
        var v = v, at = 0
        while parent[v] != v {
            at += offset[v]
            v = parent[v]
        }
        return (v, at)
    }

    /// Puts the buffer of `v` (and of everything inside it) into `host`'s buffer at `at`.
    mutating func place(_ v: Int, in host: Int, at: Int) {
        let (hostRoot, hostOffset) = root(of: host)
        let (vRoot, vOffset) = root(of: v)
        precondition(vRoot != hostRoot, "a buffer cannot be placed inside itself")
        parent[vRoot] = hostRoot
        offset[vRoot] = hostOffset + at - vOffset
    }
}
