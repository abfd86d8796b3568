import Model

/// A scalar function of two elements: one broadcasting binary operator.
protocol BinaryFunction: Sendable {
    associatedtype In: BitwiseCopyable
    associatedtype Out: BitwiseCopyable
    static func apply(_ a: In, _ b: In) -> Out
}

/// A float binary function with an 8-lane form, for the hot elementwise paths.
protocol VectorBinaryFunction: BinaryFunction where In == Float, Out == Float {
    static func apply8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
}

/// Broadcasting binary kernel: output[c] = F(a[c_a], b[c_b]) through a two-operand plan.
struct BinaryKernel<F: BinaryFunction>: Kernel {
    let plan: StridedPlan

    func run(_ context: borrowing KernelContext) {
        let a = context.input(0, as: F.In.self), b = context.input(1, as: F.In.self)
        let o = context.output(0, as: F.Out.self)
        let sa = plan.innerStrides[0], sb = plan.innerStrides[1]
        plan.forEachSegment(context.pool) { off, start, n, out in
            binaryRow(F.self, a + off[0] + start * sa, sa, b + off[1] + start * sb, sb, o + out, n)
        }
    }
}

/// The same with SIMD8<Float> inner loops for contiguous and scalar-broadcast rows
/// (same-shape tensors, per-channel bias and scale).
struct VectorBinaryKernel<F: VectorBinaryFunction>: Kernel {
    let plan: StridedPlan

    @_specialize(where F == FloatVector.Add)
    @_specialize(where F == FloatVector.Mul)
    @_specialize(where F == FloatVector.Sub)
    @_specialize(where F == FloatVector.Div)
    func run(_ context: borrowing KernelContext) {
        let a = context.input(0, as: Float.self), b = context.input(1, as: Float.self)
        let o = context.output(0, as: Float.self)
        let sa = plan.innerStrides[0], sb = plan.innerStrides[1]
        plan.forEachSegment(context.pool) { off, start, n, out in
            vectorRow(F.self, a + off[0] + start * sa, sa, b + off[1] + start * sb, sb, o + out, n)
        }
    }
}

@inline(__always)
func binaryRow<F: BinaryFunction>(_: F.Type, _ a: UnsafePointer<F.In>, _ sa: Int, _ b: UnsafePointer<F.In>, _ sb: Int,
                                  _ o: UnsafeMutablePointer<F.Out>, _ n: Int) {
    // Separate loops per stride pattern so that the common ones vectorize.
    if sa == 1 && sb == 1 {
        for j in 0..<n { o[j] = F.apply(a[j], b[j]) }
    } else if sa == 1 && sb == 0 {
        let y = b[0]
        for j in 0..<n { o[j] = F.apply(a[j], y) }
    } else if sa == 0 && sb == 1 {
        let x = a[0]
        for j in 0..<n { o[j] = F.apply(x, b[j]) }
    } else {
        for j in 0..<n { o[j] = F.apply(a[j * sa], b[j * sb]) }
    }
}

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

@inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self) }

@inline(__always)
func vectorRow<F: VectorBinaryFunction>(_: F.Type, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                                        _ o: UnsafeMutablePointer<Float>, _ n: Int) {
    let n8 = n & ~7
    if sa == 1 && sb == 1 {
        var j = 0
        while j < n8 { store8(F.apply8(load8(a + j), load8(b + j)), o + j); j += 8 }
        while j < n { o[j] = F.apply(a[j], b[j]); j += 1 }
    } else if sa == 1 && sb == 0 {
        let y = b[0], y8 = SIMD8<Float>(repeating: y)
        var j = 0
        while j < n8 { store8(F.apply8(load8(a + j), y8), o + j); j += 8 }
        while j < n { o[j] = F.apply(a[j], y); j += 1 }
    } else if sa == 0 && sb == 1 {
        let x = a[0], x8 = SIMD8<Float>(repeating: x)
        var j = 0
        while j < n8 { store8(F.apply8(x8, load8(b + j)), o + j); j += 8 }
        while j < n { o[j] = F.apply(x, b[j]); j += 1 }
    } else {
        for j in 0..<n { o[j] = F.apply(a[j * sa], b[j * sb]) }
    }
}

/// Input shapes of a broadcasting node, with opset-1..6 `broadcast`/`axis` applied:
/// there B's dimensions line up with A's starting at `axis` instead of at the right.
func broadcastInputShapes(_ sig: KernelSignature, count: Int) throws(KernelError) -> [[Int]] {
    var shapes: [[Int]] = []
    for i in 0..<count { shapes.append(try sig.inputType(i).shape) }
    if sig.opset < 7, count == 2, try sig.int("broadcast", 0) == 1, let axis = try sig.int("axis") {
        let rankA = shapes[0].count
        let a = axis < 0 ? axis + rankA : axis
        let b = shapes[1]
        guard a >= 0, a + b.count <= rankA else {
            throw sig.invalid("axis", "value \(axis) does not place B \(b) inside A \(shapes[0])")
        }
        shapes[1] = b + Array(repeating: 1, count: rankA - a - b.count)
    }
    return shapes
}

/// Prepares a broadcasting plan for `count` inputs against output 0's shape.
func broadcastPlan(_ sig: KernelSignature, inputs count: Int, shapes given: [[Int]]? = nil) throws(KernelError) -> (StridedPlan, [Int]) {
    let shapes: [[Int]]
    if let given { shapes = given } else { shapes = try broadcastInputShapes(sig, count: count) }
    guard let outShape = broadcastShape(shapes) else {
        throw sig.shape("input shapes \(shapes.map { "\($0)" }.joined(separator: ", ")) do not broadcast")
    }
    try sig.expectOutput(0, count: elementCount(outShape))
    var strides: [[Int]] = []
    for s in shapes { strides.append(broadcastStrides(s, to: outShape)!) }
    return (StridedPlan(shape: outShape, strides: strides), outShape)
}

/// Factory for a broadcasting binary operator computing `opsPerElement` operations
/// per output element in `F.In`'s dtype.
func binaryFactory<F: BinaryFunction>(_: F.Type, computeType: DType, opsPerElement: Int = 1) -> KernelFactory {
    return { sig in
        let (plan, _) = try broadcastPlan(sig, inputs: 2)
        return PreparedKernel(kernel: BinaryKernel<F>(plan: plan), ops: [computeType: Int64(plan.count * opsPerElement)],
                              computeType: computeType)
    }
}

/// Factory for a float binary operator with a SIMD8 path.
func vectorBinaryFactory<F: VectorBinaryFunction>(_: F.Type, opsPerElement: Int = 1) -> KernelFactory {
    return { sig in
        let (plan, _) = try broadcastPlan(sig, inputs: 2)
        return PreparedKernel(kernel: VectorBinaryKernel<F>(plan: plan), ops: [.float32: Int64(plan.count * opsPerElement)],
                              computeType: .float32)
    }
}
