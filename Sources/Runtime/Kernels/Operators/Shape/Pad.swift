import Model

/// Pad in constant, reflect, edge and wrap modes (negative pads crop). Every output
/// coordinate maps, dimension by dimension, to a source index or to "padding": the
/// last dimension's map is kept as a table, the other dimensions are folded at
/// prepare time into one source offset per output row (-1 = the whole row is padding).
struct PadKernel<E: BitwiseCopyable & Sendable>: Kernel {
    let rowSource: [Int]
    let innerMap: [Int]
    let fill: E
    /// Constant mode with a run-time `constant_value` input.
    let valueFromInput: Bool

    func run(_ context: borrowing KernelContext) {
        let src = context.input(0, as: E.self), dst = context.output(0, as: E.self)
        var c = fill
        if valueFromInput, context.inputs.count > 2, let v = context.inputs[2] { c = v.load(as: E.self) }
        let n = innerMap.count
        innerMap.withUnsafeBufferPointer { map in
            for (r, s) in rowSource.enumerated() {
                let o = dst + r * n
                if s < 0 { for j in 0..<n { o[j] = c } ; continue }
                for j in 0..<n { let m = map[j]; o[j] = m < 0 ? c : src[s + m] }
            }
        }
    }
}

/// Source index of output position `i` (input coordinates, may be out of range) along a
/// dimension of size `dim`, or -1 for constant padding.
func padSourceIndex(_ i: Int, dim: Int, mode: String) -> Int {
    if i >= 0 && i < dim { return i }
    switch mode {
    case "edge": return i < 0 ? 0 : dim - 1
    case "wrap": return ((i % dim) + dim) % dim
    case "reflect":
        if dim == 1 { return 0 }
        // Reflection without repeating the edge, periodic with 2·(dim-1).
        let period = 2 * (dim - 1)
        var k = ((i % period) + period) % period
        if k >= dim { k = period - k }
        return k
    default: return -1
    }
}

let padFactory: KernelFactory = { sig in
    let input = try sig.inputType(0)
    let shape = input.shape, rank = shape.count
    let mode = try sig.string("mode", "constant")
    guard ["constant", "reflect", "edge", "wrap"].contains(mode) else { throw sig.invalid("mode", "'\(mode)' is not constant, reflect, edge or wrap") }
    var pads: [Int]
    var value: Float = 0
    var valueFromInput = false
    if sig.opset < 11 {
        guard let p = try sig.ints("pads") ?? sig.ints("paddings") else { throw sig.invalid("pads", "is required") }
        pads = p
        value = try sig.float("value", 0)
    } else {
        guard let p = try sig.constantInts(1, "pads") else { throw KernelError.missingInput(node: sig.node.name, opType: "Pad", index: 1) }
        pads = p
        if sig.hasInput(2) {
            if let v = sig.constantFloats(2)?.first { value = v } else { valueFromInput = true }
        }
        if let axes = try sig.constantInts(3, "axes") {
            // Pads given for a subset of axes: spread them into a full-rank list.
            guard pads.count == 2 * axes.count else { throw sig.shape("pads has \(pads.count) values for \(axes.count) axes") }
            var full = [Int](repeating: 0, count: 2 * rank)
            for (k, a0) in axes.enumerated() {
                let a = try sig.axis(a0, rank: rank, name: "axes")
                full[a] = pads[k]; full[a + rank] = pads[k + axes.count]
            }
            pads = full
        }
    }
    guard pads.count == 2 * rank else { throw sig.shape("pads has \(pads.count) values, expected \(2 * rank)") }
    var outShape: [Int] = []
    var maps: [[Int]] = []
    for d in 0..<rank {
        let n = shape[d] + pads[d] + pads[d + rank]
        guard n >= 0 else { throw sig.shape("padding makes dimension \(d) negative") }
        guard mode == "constant" || n == 0 || shape[d] > 0 else { throw sig.shape("cannot \(mode)-pad an empty dimension") }
        outShape.append(n)
        maps.append((0..<n).map { padSourceIndex($0 - pads[d], dim: shape[d], mode: mode) })
    }
    try sig.expectOutput(0, count: elementCount(outShape))
    let strides = contiguousStrides(shape)
    // Row table over all but the last dimension (a scalar is one row of one element).
    let innerMap = rank == 0 ? [0] : maps[rank - 1]
    let outer = rank == 0 ? 1 : elementCount(Array(outShape.dropLast()))
    var rows = [Int](repeating: 0, count: outer)
    var index = [Int](repeating: 0, count: max(rank - 1, 0))
    for r in 0..<outer {
        var off = 0
        for d in 0..<index.count {
            let m = maps[d][index[d]]
            if m < 0 { off = -1; break }
            off += m * strides[d]
        }
        rows[r] = off
        var a = index.count - 1
        while a >= 0 { index[a] += 1; if index[a] < outShape[a] { break }; index[a] = 0; a -= 1 }
    }
    let dtype = input.dtype
    let kernel: any Kernel
    switch dtype {
    case .float32: kernel = PadKernel<Float>(rowSource: rows, innerMap: innerMap, fill: value, valueFromInput: valueFromInput)
    case .float64: kernel = PadKernel<Double>(rowSource: rows, innerMap: innerMap, fill: Double(value), valueFromInput: valueFromInput)
    case .int64: kernel = PadKernel<Int64>(rowSource: rows, innerMap: innerMap, fill: Int64(clamping: Double(value)), valueFromInput: valueFromInput)
    case .int32: kernel = PadKernel<Int32>(rowSource: rows, innerMap: innerMap, fill: Int32(clamping: Double(value)), valueFromInput: valueFromInput)
    case .int8: kernel = PadKernel<Int8>(rowSource: rows, innerMap: innerMap, fill: Int8(clamping: Double(value)), valueFromInput: valueFromInput)
    case .uint8, .bool: kernel = PadKernel<UInt8>(rowSource: rows, innerMap: innerMap, fill: UInt8(max(0, min(255, value))), valueFromInput: valueFromInput)
    default: throw sig.unsupported(dtype)
    }
    return PreparedKernel(kernel: kernel, computeType: dtype)
}
