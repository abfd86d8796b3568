import Model

/// Copies input 0's bytes to output 0: the kernel behind every operator that only
/// relabels the shape (Reshape, Flatten, Squeeze, Unsqueeze, Identity, inference
/// Dropout). When the executor runs it in place the copy is skipped.
struct CopyKernel: Kernel {
    let bytes: Int
    /// Dropout's optional mask output: all true at inference.
    let maskBytes: Int

    func run(_ context: borrowing KernelContext) {
        let src = context.inputs[0]!, dst = context.outputs[0]
        if UnsafeRawPointer(dst) != src {
            let n = bytes
            // Large activations: split the copy so it uses every core's bandwidth.
            if n >= 1 << 20 && context.pool.threadCount > 1 {
                let parts = context.pool.threadCount
                let per = (n + parts - 1) / parts
                context.pool.parallelFor(parts) { p in
                    let lo = p * per, hi = min(n, lo + per)
                    if lo < hi { (dst + lo).copyMemory(from: src + lo, byteCount: hi - lo) }
                }
            } else {
                dst.copyMemory(from: src, byteCount: n)
            }
        }
        if maskBytes > 0, context.outputs.count > 1 {
            context.outputs[1].initializeMemory(as: UInt8.self, repeating: 1, count: maskBytes)
        }
    }
}

/// Factory for the pure copy operators: checks that the element count is unchanged.
func copyFactory(_ sig: KernelSignature) throws(KernelError) -> PreparedKernel {
    let input = try sig.inputType(0)
    let output = try sig.outputType(0)
    guard input.elementCount == output.elementCount, input.dtype == output.dtype else {
        throw sig.shape("output \(output.dtype)\(output.shape) does not hold the same elements as input \(input.dtype)\(input.shape)")
    }
    var mask = 0
    if sig.node.opType == "Dropout", sig.outputTypes.count > 1 { mask = sig.outputTypes[1].byteCount }
    return PreparedKernel(kernel: CopyKernel(bytes: input.byteCount, maskBytes: mask), computeType: input.dtype)
}

/// Squeeze/Unsqueeze validate their axes (attribute before opset 13, input after);
/// the data movement is a copy either way.
func squeezeFactory(_ sig: KernelSignature) throws(KernelError) -> PreparedKernel {
    let input = try sig.inputType(0), output = try sig.outputType(0)
    let axes = try sig.opset >= 13 ? sig.constantInts(1, "axes") : sig.ints("axes")
    if let axes {
        let rank = sig.node.opType == "Unsqueeze" ? output.shape.count : input.shape.count
        for a in axes { _ = try sig.axis(a, rank: rank, name: "axes") }
        if sig.node.opType == "Squeeze" {
            for a in axes where input.shape[try sig.axis(a, rank: rank)] != 1 {
                throw sig.invalid("axes", "names dimension \(a) of size \(input.shape[try sig.axis(a, rank: rank)]), which is not 1")
            }
        }
    }
    return try copyFactory(sig)
}

/// Registers the copy-only shape operators for every dtype.
func registerCopyOperators(_ r: inout KernelRegistry) {
    let all = DType.allCases.filter { $0 != .string }
    for op in ["Reshape", "Flatten", "Identity", "Dropout"] {
        r.register(op, dtypes: all) { sig in try copyFactory(sig) }
    }
    r.register("Squeeze", dtypes: all) { sig in try squeezeFactory(sig) }
    r.register("Unsqueeze", dtypes: all) { sig in try squeezeFactory(sig) }
}
