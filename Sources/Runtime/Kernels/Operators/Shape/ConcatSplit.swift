import Model

/// Concat: viewed as [outer, axis·inner] per input, each input contributes one
/// contiguous block of bytes to every outer row of the output, so the whole
/// operator is `outer × inputs` memcpy calls, none for inputs already in place.
struct ConcatKernel: Kernel {
    let outer: Int
    /// Bytes each input contributes per outer row (0 for empty inputs).
    let blockBytes: [Int]
    let rowBytes: Int

    func run(_ context: borrowing KernelContext) {
        let ins = context.inputs, dst = context.outputs[0]
        let blocks = blockBytes, rowBytes = rowBytes
        parallelChunks(context.pool, count: outer, grain: max(1, (1 << 16) / max(rowBytes, 1))) { range in
            for o in range {
                var at = o * rowBytes
                for (i, b) in blocks.enumerated() where b > 0 {
                    // An input the planner put in its block already (`aliasConcats`) stays.
                    let src = ins[i]! + o * b
                    if UnsafeRawPointer(dst + at) != src { (dst + at).copyMemory(from: src, byteCount: b) }
                    at += b
                }
            }
        }
    }
}

let concatFactory: KernelFactory = { sig in
    let first = try sig.inputType(0)
    let rank = first.shape.count
    let a = try sig.axis(try sig.int("axis", sig.opset < 4 ? 1 : 0), rank: rank)
    let outer = elementCount(Array(first.shape.prefix(a)))
    let es = first.dtype.bitWidth / 8
    var blocks: [Int] = [], total = 0
    for i in sig.inputTypes.indices {
        let t = try sig.inputType(i)
        guard t.shape.count == rank, t.dtype == first.dtype,
              (0..<rank).allSatisfy({ $0 == a || t.shape[$0] == first.shape[$0] }) else {
            throw sig.shape("input \(i) \(t.dtype)\(t.shape) does not match input 0 \(first.dtype)\(first.shape) outside axis \(a)")
        }
        let b = elementCount(Array(t.shape.dropFirst(a))) * es
        blocks.append(b); total += b
    }
    try sig.expectOutput(0, count: outer * total / max(es, 1))
    return PreparedKernel(kernel: ConcatKernel(outer: outer, blockBytes: blocks, rowBytes: total), computeType: first.dtype)
}

/// Split: the reverse of Concat; each output takes one block per outer row. Output
/// sizes along the axis come from the inferred output shapes (which shape inference
/// derived from the `split` attribute or input, or by even division).
struct SplitKernel: Kernel {
    let outer: Int
    let blockBytes: [Int]
    let rowBytes: Int

    func run(_ context: borrowing KernelContext) {
        let src = context.inputs[0]!, outs = context.outputs
        for o in 0..<outer {
            var at = o * rowBytes
            for (i, b) in blockBytes.enumerated() where b > 0 {
                (outs[i] + o * b).copyMemory(from: src + at, byteCount: b)
                at += b
            }
        }
    }
}

let splitFactory: KernelFactory = { sig in
    let input = try sig.inputType(0)
    let a = try sig.axis(try sig.int("axis", 0), rank: input.shape.count)
    let outer = elementCount(Array(input.shape.prefix(a)))
    let inner = elementCount(Array(input.shape.dropFirst(a + 1)))
    let es = input.dtype.bitWidth / 8
    var blocks: [Int] = [], along = 0
    for t in sig.outputTypes {
        guard t.shape.count == input.shape.count else { throw sig.shape("output rank \(t.shape.count) differs from input rank") }
        blocks.append(t.shape[a] * inner * es); along += t.shape[a]
    }
    guard along == input.shape[a] else {
        throw sig.shape("outputs cover \(along) of the \(input.shape[a]) elements along axis \(a)")
    }
    return PreparedKernel(kernel: SplitKernel(outer: outer, blockBytes: blocks, rowBytes: input.shape[a] * inner * es),
                          computeType: input.dtype)
}

/// Gather along `axis`: for every (outer, index) copy one contiguous inner block.
/// Indices are run-time data: negative ones count from the end, out-of-range ones are
/// clamped (`run` cannot throw; ONNX leaves them undefined).
struct GatherKernel: Kernel {
    let outer: Int, axisLength: Int, indexCount: Int, blockBytes: Int
    let indices64: Bool

    func run(_ context: borrowing KernelContext) {
        let data = context.inputs[0]!, idx = context.inputs[1]!, dst = context.outputs[0]
        for o in 0..<outer {
            for k in 0..<indexCount {
                var i = indices64 ? Int(idx.load(fromByteOffset: k * 8, as: Int64.self)) : Int(idx.load(fromByteOffset: k * 4, as: Int32.self))
                if i < 0 { i += axisLength }
                i = min(max(i, 0), axisLength - 1)
                (dst + (o * indexCount + k) * blockBytes).copyMemory(from: data + (o * axisLength + i) * blockBytes, byteCount: blockBytes)
            }
        }
    }
}

let gatherFactory: KernelFactory = { sig in
    let data = try sig.inputType(0), idx = try sig.inputType(1)
    guard idx.dtype == .int64 || idx.dtype == .int32 else { throw sig.unsupported(idx.dtype) }
    let a = try sig.axis(try sig.int("axis", 0), rank: data.shape.count)
    guard data.shape[a] > 0 || idx.elementCount == 0 else { throw sig.shape("cannot gather from an empty axis") }
    let outer = elementCount(Array(data.shape.prefix(a)))
    let inner = elementCount(Array(data.shape.dropFirst(a + 1)))
    try sig.expectOutput(0, count: outer * idx.elementCount * inner)
    let kernel = GatherKernel(outer: outer, axisLength: data.shape[a], indexCount: idx.elementCount,
                              blockBytes: inner * data.dtype.bitWidth / 8, indices64: idx.dtype == .int64)
    return PreparedKernel(kernel: kernel, computeType: data.dtype)
}

/// Registers Concat, Split and Gather for every dtype.
func registerConcatSplitOperators(_ r: inout KernelRegistry) {
    let all = DType.allCases.filter { $0 != .string && $0.bitWidth >= 8 }
    r.register("Concat", dtypes: all, concatFactory)
    r.register("Split", dtypes: all, splitFactory)
    r.register("Gather", dtypes: all, gatherFactory)
}
