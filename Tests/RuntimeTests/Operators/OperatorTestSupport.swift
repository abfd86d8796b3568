import Model
import Runtime
import Testing

/// A pool that claims `threads` workers but runs the tasks in order on the caller's
/// thread: exercises the kernels' chunking without depending on the core's pool.
struct OperatorSerialPool: ThreadPool {
    var threads: Int = 1
    var threadCount: Int { threads }
    func parallelFor(_ count: Int, _ body: (Int) -> Void) { for i in 0..<count { body(i) } }
}

/// One input of an operator under test: a tensor, constant (visible to prepare) or not.
struct OpInput {
    var tensor: Tensor
    var constant: Bool
    init(_ tensor: Tensor, constant: Bool = false) { self.tensor = tensor; self.constant = constant }
    init(_ floats: [Float], _ shape: [Int], constant: Bool = false) { self.init(Tensor(floats: floats, shape: shape), constant: constant) }
    static func int64(_ values: [Int], _ shape: [Int]? = nil, constant: Bool = true) -> OpInput {
        OpInput(Tensor(dtype: .int64, shape: shape ?? [values.count], values: values.map { Int64($0) }), constant: constant)
    }
}

/// Prepares `op` through `KernelRegistry.standard` (keyed like the session: first
/// present input's dtype, else output 0's) and runs it once.
func runOperator(_ op: String, _ inputs: [OpInput?], outputs: [TensorType], attributes: [String: Attribute] = [:],
                 opset: Int = 17, threads: Int = 1) throws -> (outputs: [Tensor], prepared: PreparedKernel) {
    let node = Node(name: "n", opType: op, inputs: inputs.enumerated().map { $1 == nil ? "" : "x\($0)" },
                    outputs: outputs.indices.map { "y\($0)" }, attributes: attributes)
    let sig = KernelSignature(node: node,
                              inputTypes: inputs.map { $0.map { TensorType(dtype: $0.tensor.dtype, shape: $0.tensor.shape) } },
                              outputTypes: outputs, constants: inputs.map { $0?.constant == true ? $0?.tensor : nil },
                              options: SessionOptions(), opset: opset)
    let selector = inputs.compactMap { $0 }.first?.tensor.dtype ?? outputs[0].dtype
    guard let factory = KernelRegistry.standard.factory(for: KernelKey(op, dtype: selector)) else {
        throw KernelError.unsupportedOperator(node: "n", opType: op, domain: "", dtype: selector)
    }
    let prepared = try factory(sig)
    let results = outputs.map { Tensor(dtype: $0.dtype, shape: $0.shape) }
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(prepared.scratchBytes, 64), alignment: 64)
    defer { scratch.deallocate() }
    let inPointers: [UnsafeRawPointer?] = inputs.map { $0.map { UnsafeRawPointer($0.tensor.storage.bytes) } }
    let outPointers = results.map { $0.storage.bytes }
    inPointers.withUnsafeBufferPointer { ins in
        outPointers.withUnsafeBufferPointer { outs in
            let context = KernelContext(inputs: ins, outputs: outs, scratch: scratch, pool: OperatorSerialPool(threads: threads))
            prepared.kernel.run(context)
        }
    }
    return (results, prepared)
}

/// Runs a float operator with one float output and returns its values.
func runFloat(_ op: String, _ inputs: [OpInput?], shape: [Int], attributes: [String: Attribute] = [:], opset: Int = 17,
              threads: Int = 1) throws -> [Float] {
    try runOperator(op, inputs, outputs: [TensorType(dtype: .float32, shape: shape)], attributes: attributes, opset: opset,
                    threads: threads).outputs[0].scalars(as: Float.self)
}

/// Element-wise closeness with a relative-plus-absolute tolerance.
func expectClose(_ got: [Float], _ expected: [Float], tolerance: Float = 1e-5, _ what: String = "",
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == expected.count, "\(what): \(got.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    for (i, (g, e)) in zip(got, expected).enumerated() {
        let ok = g == e || (g.isNaN && e.isNaN) || abs(g - e) <= tolerance * max(1, abs(e))
        if !ok {
            Issue.record("\(what): element \(i) is \(g), expected \(e)", sourceLocation: sourceLocation)
            return
        }
    }
}

/// 0, 1, 2, ... as floats.
func iota(_ n: Int, scale: Float = 1, offset: Float = 0) -> [Float] { (0..<n).map { Float($0) * scale + offset } }
