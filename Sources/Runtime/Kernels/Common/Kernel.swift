import Model

/// A node's kernel after `prepare`: shapes bound, weights packed, scratch sized.
/// `run` is the hot path: it never allocates, throws or logs (tflite-micro's Eval).
public protocol Kernel: Sendable {
    func run(_ context: borrowing KernelContext)
}

/// Pointers a kernel reads and writes during one execution of its node.
/// Inputs that are graph constants point at the (possibly repacked) constant;
/// omitted optional inputs are nil.
public struct KernelContext: ~Copyable {
    public let inputs: UnsafeBufferPointer<UnsafeRawPointer?>
    public let outputs: UnsafeBufferPointer<UnsafeMutableRawPointer>
    /// `PreparedKernel.scratchBytes` bytes, 64-byte aligned, private to this node
    /// for the duration of `run` (shared between nodes over time).
    public let scratch: UnsafeMutableRawPointer
    public let pool: ThreadPool

    public init(inputs: UnsafeBufferPointer<UnsafeRawPointer?>, outputs: UnsafeBufferPointer<UnsafeMutableRawPointer>,
                scratch: UnsafeMutableRawPointer, pool: ThreadPool) {
        self.inputs = inputs; self.outputs = outputs; self.scratch = scratch; self.pool = pool
    }

    /// Typed access to input `i`.
    @inline(__always) public func input<T>(_ i: Int, as: T.Type) -> UnsafePointer<T> {
        inputs[i]!.assumingMemoryBound(to: T.self)
    }
    @inline(__always) public func output<T>(_ i: Int, as: T.Type) -> UnsafeMutablePointer<T> {
        outputs[i].assumingMemoryBound(to: T.self)
    }
}

/// Everything `prepare` may look at for one node.
public struct KernelSignature: Sendable {
    public let node: Node
    /// Types of the node's inputs; nil for an omitted optional input.
    public let inputTypes: [TensorType?]
    public let outputTypes: [TensorType]
    /// The constant value of each input that is a graph constant (initializer or folded), else nil.
    public let constants: [Tensor?]
    public let options: SessionOptions
    public let opset: Int

    public init(node: Node, inputTypes: [TensorType?], outputTypes: [TensorType], constants: [Tensor?], options: SessionOptions, opset: Int) {
        self.node = node; self.inputTypes = inputTypes; self.outputTypes = outputTypes
        self.constants = constants; self.options = options; self.opset = opset
    }

    /// Input `i`'s type, or a typed error naming the node.
    public func inputType(_ i: Int) throws(KernelError) -> TensorType {
        guard i < inputTypes.count, let t = inputTypes[i] else { throw .missingInput(node: node.name, opType: node.opType, index: i) }
        return t
    }
}

/// What `prepare` returns.
public struct PreparedKernel: Sendable {
    public var kernel: any Kernel
    /// Scratch the kernel needs during `run` (im2col buffers, per-thread packing).
    public var scratchBytes: Int
    /// Constants the kernel holds in its own layout (packed weights), replacing the
    /// originals for counting and memory: nil = it reads the graph's constants.
    public var packedWeightBytes: Int?
    /// Arithmetic performed per run, by dtype: multiply-accumulates and other ops.
    public var macs: [DType: Int64]
    public var ops: [DType: Int64]
    /// The dtype the node computes in.
    public var computeType: DType

    public init(kernel: any Kernel, scratchBytes: Int = 0, packedWeightBytes: Int? = nil,
                macs: [DType: Int64] = [:], ops: [DType: Int64] = [:], computeType: DType) {
        self.kernel = kernel; self.scratchBytes = scratchBytes; self.packedWeightBytes = packedWeightBytes
        self.macs = macs; self.ops = ops; self.computeType = computeType
    }
}

/// Builds a `PreparedKernel` for one (op, dtype). Validation happens here, with errors
/// that name the node; nothing here runs per inference.
public typealias KernelFactory = @Sendable (KernelSignature) throws -> PreparedKernel
