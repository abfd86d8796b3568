import Model

/// Exact, statically derived work of one executed node: what the estimators turn
/// into energy and data movement. Counting rules are in docs/COUNTING.md.
public struct NodeCounts: Sendable, Hashable, Codable {
    /// Index in the lowered graph's execution order.
    public var index: Int
    public var name: String
    public var opType: String
    /// The dtype the node computes in (the accumulator side: int8 for an int8 conv
    /// with int32 accumulation, float16 for an fp16 node).
    public var computeType: DType
    /// Dtypes of the node's inputs, in order ("" inputs omitted).
    public var inputTypes: [DType]
    public var outputTypes: [DType]
    /// Multiply-accumulates actually performed, by operand dtype (sparse kernels
    /// count only the non-zero weights they touch).
    public var macs: [DType: Int64]
    /// Other arithmetic operations (adds, compares, exp, requantize...) by dtype.
    public var ops: [DType: Int64]
    /// Bytes of constant tensors (weights, biases, scales) the node reads per run.
    public var weightBytesRead: Int64
    /// Bytes of activations (non-constant inputs) the node reads per run.
    public var activationBytesRead: Int64
    /// Bytes of outputs written per run.
    public var bytesWritten: Int64

    public init(index: Int, name: String, opType: String, computeType: DType, inputTypes: [DType], outputTypes: [DType],
                macs: [DType: Int64] = [:], ops: [DType: Int64] = [:], weightBytesRead: Int64 = 0,
                activationBytesRead: Int64 = 0, bytesWritten: Int64 = 0) {
        self.index = index; self.name = name; self.opType = opType; self.computeType = computeType
        self.inputTypes = inputTypes; self.outputTypes = outputTypes; self.macs = macs; self.ops = ops
        self.weightBytesRead = weightBytesRead; self.activationBytesRead = activationBytesRead; self.bytesWritten = bytesWritten
    }

    public var totalMACs: Int64 { macs.values.reduce(0, +) }
    public var totalOps: Int64 { ops.values.reduce(0, +) }
}

/// Called around every executed node when a run is instrumented. The executor
/// calls it on the thread that drives the run (never from pool workers), so a
/// counter group enabled in `willRun` covers the node's work on that thread and,
/// with `inherit`, the pool's.
public protocol NodeObserver: AnyObject {
    func willRun(node index: Int)
    /// `seconds` is the node's wall time measured by the executor.
    func didRun(node index: Int, seconds: Double)
}
