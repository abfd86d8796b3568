import Model

// Operators that are a strided view of their input, copied out: Transpose, Slice,
// Expand, Tile, DepthToSpace, SpaceToDepth. Each factory only works out the view's
// strides; `StridedCopy` does the rest (memcpy for contiguous runs).

/// Runs a `StridedCopy` from input 0 to output 0.
struct StridedCopyKernel: Kernel {
    let copy: StridedCopy

    func run(_ context: borrowing KernelContext) {
        copy.run(context.inputs[0]!, context.outputs[0], pool: context.pool)
    }
}

/// A prepared copy of input 0 through the view `(shape, strides, base)`.
func viewKernel(_ sig: KernelSignature, shape: [Int], strides: [Int], base: Int = 0) throws(KernelError) -> PreparedKernel {
    let input = try sig.inputType(0)
    try sig.expectOutput(0, count: elementCount(shape))
    let copy = StridedCopy(shape: shape, sourceStrides: strides, sourceBase: base, elementSize: input.dtype.bitWidth / 8)
    return PreparedKernel(kernel: StridedCopyKernel(copy: copy), computeType: input.dtype)
}

let transposeFactory: KernelFactory = { sig in
    let shape = try sig.inputType(0).shape
    let perm = try sig.ints("perm") ?? Array(shape.indices.reversed())
    guard perm.count == shape.count, Set(perm) == Set(shape.indices) else {
        throw sig.invalid("perm", "\(perm) is not a permutation of the \(shape.count) input dimensions")
    }
    let s = contiguousStrides(shape)
    return try viewKernel(sig, shape: perm.map { shape[$0] }, strides: perm.map { s[$0] })
}

/// Slice: attributes before opset 10, constant inputs after. Starts and ends clamp as
/// numpy does, negative steps walk backwards.
let sliceFactory: KernelFactory = { sig in
    let shape = try sig.inputType(0).shape
    let starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
    if sig.opset < 10 {
        guard let s = try sig.ints("starts"), let e = try sig.ints("ends") else { throw sig.invalid("starts", "and 'ends' are required") }
        starts = s; ends = e; axes = try sig.ints("axes"); steps = nil
    } else {
        guard let s = try sig.constantInts(1, "starts"), let e = try sig.constantInts(2, "ends") else {
            throw KernelError.missingInput(node: sig.node.name, opType: sig.node.opType, index: 1)
        }
        starts = s; ends = e; axes = try sig.constantInts(3, "axes"); steps = try sig.constantInts(4, "steps")
    }
    let ax = axes ?? Array(0..<starts.count)
    guard starts.count == ends.count, ax.count == starts.count, steps.map({ $0.count == starts.count }) ?? true else {
        throw sig.shape("starts, ends, axes and steps must have the same length")
    }
    var outShape = shape
    var strides = contiguousStrides(shape)
    var base = 0
    let own = strides
    for (k, a0) in ax.enumerated() {
        let a = try sig.axis(a0, rank: shape.count, name: "axes")
        let dim = shape[a], step = steps?[k] ?? 1
        guard step != 0 else { throw sig.invalid("steps", "must not be 0") }
        var start = starts[k], end = ends[k]
        if start < 0 { start += dim }
        if end < 0 { end += dim }
        let count: Int
        if step > 0 {
            start = min(max(start, 0), dim); end = min(max(end, 0), dim)
            count = end > start ? (end - start + step - 1) / step : 0
        } else {
            start = min(max(start, -1), dim - 1); end = min(max(end, -1), dim - 1)
            count = start > end ? (start - end - step - 1) / (-step) : 0
        }
        outShape[a] = count
        strides[a] = own[a] * step
        if count > 0 { base += start * own[a] }
    }
    return try viewKernel(sig, shape: outShape, strides: strides, base: base)
}

/// Expand: numpy broadcast of the input to the output shape (taken from output 0, which
/// shape inference derived from the shape input).
let expandFactory: KernelFactory = { sig in
    let shape = try sig.inputType(0).shape
    let out = try sig.outputType(0).shape
    guard let s = broadcastStrides(shape, to: out) else { throw sig.shape("input \(shape) does not broadcast to \(out)") }
    return try viewKernel(sig, shape: out, strides: s)
}

/// Tile: output dimension d of size r·n is viewed as (r, n) with stride 0 on r, so the
/// whole output is one strided view of rank 2·rank.
let tileFactory: KernelFactory = { sig in
    let shape = try sig.inputType(0).shape
    let out = try sig.outputType(0).shape
    guard out.count == shape.count else { throw sig.shape("output rank \(out.count) differs from input rank \(shape.count)") }
    let s = contiguousStrides(shape)
    var viewShape: [Int] = [], viewStrides: [Int] = []
    for d in shape.indices {
        guard shape[d] > 0 ? out[d] % shape[d] == 0 : out[d] == 0 else {
            throw sig.shape("output dimension \(out[d]) is not a multiple of input dimension \(shape[d])")
        }
        viewShape += [shape[d] > 0 ? out[d] / shape[d] : 0, shape[d]]
        viewStrides += [0, s[d]]
    }
    return try viewKernel(sig, shape: viewShape, strides: viewStrides)
}

/// DepthToSpace / SpaceToDepth as 6-D transposes of [N, C, H, W].
func depthSpaceFactory(toSpace: Bool) -> KernelFactory {
    return { sig in
        let shape = try sig.inputType(0).shape
        guard shape.count == 4 else { throw sig.shape("input must be 4-D [N, C, H, W], is \(shape)") }
        let b = try sig.int("blocksize", 0)
        guard b > 0 else { throw sig.invalid("blocksize", "must be positive") }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        if toSpace {
            guard c % (b * b) == 0 else { throw sig.shape("channels \(c) are not a multiple of blocksize² \(b * b)") }
            let oc = c / (b * b)
            // Output [N, oc, H, b, W, b]; DCR reads input channel (b1, b2, oc), CRD (oc, b1, b2).
            let crd = try sig.string("mode", "DCR") == "CRD"
            let cs = h * w
            let sOC = crd ? b * b * cs : cs, sB1 = crd ? b * cs : oc * b * cs, sB2 = crd ? cs : oc * cs
            return try viewKernel(sig, shape: [n, oc, h, b, w, b], strides: [c * cs, sOC, w, sB1, 1, sB2])
        }
        guard h % b == 0, w % b == 0 else { throw sig.shape("spatial size \(h)x\(w) is not a multiple of blocksize \(b)") }
        // Output channel (b1, b2, c) at (h', w') reads input (c, h'·b + b1, w'·b + b2).
        let oh = h / b, ow = w / b
        return try viewKernel(sig, shape: [n, b, b, c, oh, ow], strides: [c * h * w, w, 1, h * w, b * w, b])
    }
}

/// Registers the strided-view operators for every dtype.
func registerStridedViewOperators(_ r: inout KernelRegistry) {
    let all = DType.allCases.filter { $0 != .string && $0.bitWidth >= 8 }
    r.register("Transpose", dtypes: all, transposeFactory)
    r.register("Slice", dtypes: all, sliceFactory)
    r.register("Expand", dtypes: all, expandFactory)
    r.register("Tile", dtypes: all, tileFactory)
    r.register("DepthToSpace", dtypes: all, depthSpaceFactory(toSpace: true))
    r.register("SpaceToDepth", dtypes: all, depthSpaceFactory(toSpace: false))
}
