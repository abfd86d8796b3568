import Model
import Synchronization

/// A graph turned into something that runs fast and reports what it did:
/// one kernel per node, chosen and prepared once; one activation arena planned
/// once; a fixed thread pool; static per-node counts; optional per-node timing.
///
/// `run` allocates nothing in steady state except the output tensors it returns
/// (`run(_:into:observer:)` writes into tensors the caller keeps instead). Runs
/// on one session are serialized: the arena is shared state.
public final class InferenceSession: @unchecked Sendable {
    // @unchecked: the arena, scratch and pointer tables are mutated only inside
    // `runLock`; everything else is immutable after `init`.

    /// The graph's inputs, in declaration order.
    public var inputs: [ValueInfo] { plan.inputs }
    /// The graph's outputs with the types the session produces.
    public var outputs: [ValueInfo] { plan.outputs }
    /// Arena, weights, I/O and scratch sizes as planned.
    public var memoryPlan: MemoryPlanSummary { plan.memory }
    /// Static work per node in execution order (docs/COUNTING.md).
    public var nodeCounts: [NodeCounts] { plan.nodeCounts }
    /// The arena buffers' lifetimes and offsets, for checks such as
    /// `arenaPlan.doAnyBuffersOverlap(arenaBuffers)`.
    public var arenaBuffers: [BufferLifetime] { plan.buffers }
    public var arenaPlan: MemoryPlan { plan.arenaPlan }
    /// Which bytes each node reads and writes, in execution order (`MemoryAccessTrace`).
    public var accessTrace: [NodeAccesses] { plan.accessTrace() }
    /// Threads the session's pool really has.
    public var threadCount: Int { pool.threadCount }
    public let options: SessionOptions

    private let plan: ExecutionPlan
    private let pool: FixedThreadPool
    private let poolExistential: any ThreadPool
    private let arena: UnsafeMutableRawPointer
    private let scratch: UnsafeMutableRawPointer
    /// Current address of every value, indexed by value id.
    private let addresses: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private let inputSlots: UnsafeMutablePointer<UnsafeRawPointer?>
    private let outputSlots: UnsafeMutablePointer<UnsafeMutableRawPointer>
    private let inputIndex: [String: Int]
    private let runLock = Mutex<Void>(())

    /// Prepares every node with a kernel from `registry`, selected by (operator,
    /// domain, dtype of the first non-omitted input — of output 0 for nodes without
    /// inputs), and plans the arena. `graph.valueTypes` must hold every node
    /// output's type (`ShapeInference.infer`).
    ///
    /// Throws `KernelError.unsupportedOperator` for a node no kernel handles, the
    /// kernel's own `KernelError` when it rejects a node, and
    /// `SessionError.integerOnlyViolations` listing every float node when
    /// `options.integerOnly` is set.
    public init(graph: Graph, options: SessionOptions = .init(), registry: KernelRegistry = .standard,
                planner: any MemoryPlanner = GreedyMemoryPlanner()) throws {
        self.options = options
        plan = try ExecutionPlan.build(graph: graph, options: options, registry: registry, planner: planner)
        pool = FixedThreadPool(threads: options.threads)
        poolExistential = pool
        arena = .allocate(byteCount: max(plan.memory.arenaBytes, 1), alignment: 64)
        // Zeroed once so the pages are mapped before the first timed run.
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(plan.memory.arenaBytes, 1))
        scratch = .allocate(byteCount: max(plan.memory.scratchBytes, 1), alignment: 64)
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: max(plan.memory.scratchBytes, 1))
        addresses = .allocate(capacity: max(plan.homes.count, 1))
        addresses.initialize(repeating: nil, count: max(plan.homes.count, 1))
        for (id, home) in plan.homes.enumerated() {
            switch home {
            case let .constant(tensor): addresses[id] = tensor.storage.bytes
            case let .arena(offset): addresses[id] = arena + offset
            case .input, .output: break
            }
        }
        inputSlots = .allocate(capacity: max(plan.maxInputs, 1))
        inputSlots.initialize(repeating: nil, count: max(plan.maxInputs, 1))
        outputSlots = .allocate(capacity: max(plan.maxOutputs, 1))
        outputSlots.initialize(repeating: scratch, count: max(plan.maxOutputs, 1))
        inputIndex = Dictionary(plan.inputs.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    deinit {
        pool.shutdown()
        arena.deallocate()
        scratch.deallocate()
        addresses.deallocate()
        inputSlots.deallocate()
        outputSlots.deallocate()
    }

    /// Zero-filled tensors of the outputs' types, for `run(_:into:observer:)`.
    public func makeOutputTensors() -> [String: Tensor] {
        Dictionary(plan.outputs.map { ($0.name, Tensor(dtype: $0.type.dtype, shape: $0.type.shape)) },
                   uniquingKeysWith: { a, _ in a })
    }

    /// Runs the graph once on `inputs` (one tensor per graph input, by name) and
    /// returns the outputs by name. With an `observer`, each node is timed on the
    /// monotonic clock and reported through `willRun` / `didRun` on this thread.
    public func run(_ inputs: [String: Tensor], observer: NodeObserver? = nil) throws -> [String: Tensor] {
        let outputs = makeOutputTensors()
        try run(inputs, into: outputs, observer: observer)
        return outputs
    }

    /// Runs the graph once, writing the outputs into `outputs`' storage (one
    /// tensor per graph output, of the output's type; see `makeOutputTensors`).
    /// Allocates nothing: use it for measured loops.
    public func run(_ inputs: [String: Tensor], into outputs: [String: Tensor], observer: NodeObserver? = nil) throws {
        try validate(inputs)
        for (i, output) in plan.outputs.enumerated() {
            guard let tensor = outputs[output.name], tensor.dtype == output.type.dtype, tensor.shape == output.type.shape else {
                let got = outputs[output.name].map { TensorType(dtype: $0.dtype, shape: $0.shape) }
                throw SessionError.outputMismatch(name: output.name, expected: output.type, got: got)
            }
            _ = i
        }
        runLock.withLock { _ in
            for (i, id) in plan.inputIDs.enumerated() {
                addresses[id] = inputs[plan.inputs[i].name]!.storage.bytes
            }
            for (i, id) in plan.outputIDs.enumerated() {
                if case .output = plan.homes[id] { addresses[id] = outputs[plan.outputs[i].name]!.storage.bytes }
            }
            execute(observer: observer)
            for copy in plan.copies {
                let output = plan.outputs[copy.outputIndex]
                outputs[output.name]!.storage.bytes.copyMemory(from: addresses[copy.sourceID]!, byteCount: output.type.byteCount)
            }
            // Do not keep pointers into the caller's tensors past the run.
            for id in plan.inputIDs { addresses[id] = nil }
            for id in plan.outputIDs { if case .output = plan.homes[id] { addresses[id] = nil } }
        }
    }

    /// The hot loop: point each node's context at its values and run its kernel.
    private func execute(observer: NodeObserver?) {
        for (index, step) in plan.steps.enumerated() {
            for (k, id) in step.inputIDs.enumerated() {
                inputSlots[k] = id < 0 ? nil : UnsafeRawPointer(addresses[id])
            }
            for (k, id) in step.outputIDs.enumerated() { outputSlots[k] = addresses[id]! }
            let context = KernelContext(
                inputs: UnsafeBufferPointer(start: inputSlots, count: step.inputIDs.count),
                outputs: UnsafeBufferPointer(start: outputSlots, count: step.outputIDs.count),
                scratch: scratch, pool: poolExistential)
            if let observer {
                observer.willRun(node: index)
                let start = monotonicSeconds()
                step.kernel.run(context)
                let seconds = monotonicSeconds() - start
                observer.didRun(node: index, seconds: seconds)
            } else {
                step.kernel.run(context)
            }
        }
    }

    /// Every graph input present with its declared dtype and shape; no extras.
    private func validate(_ given: [String: Tensor]) throws {
        for input in plan.inputs {
            guard let tensor = given[input.name] else { throw SessionError.missingInput(name: input.name, expected: input.type) }
            guard tensor.dtype == input.type.dtype else {
                throw SessionError.inputDTypeMismatch(name: input.name, expected: input.type.dtype, got: tensor.dtype)
            }
            guard tensor.shape == input.type.shape else {
                throw SessionError.inputShapeMismatch(name: input.name, expected: input.type.shape, got: tensor.shape)
            }
        }
        if given.count != plan.inputs.count {
            for name in given.keys.sorted() where inputIndex[name] == nil {
                throw SessionError.unknownInput(name: name, known: plan.inputs.map(\.name))
            }
        }
    }
}
