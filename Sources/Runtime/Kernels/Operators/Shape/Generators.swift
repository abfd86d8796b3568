import Model

// Operators whose output does not depend on input values, or only on scalars:
// Constant, ConstantOfShape, Shape, Size, Range. Constant and Shape are normally
// folded away by the loader; they are kept runnable so an unfolded graph still runs.

/// Writes fixed bytes, prepared once, to output 0.
struct FixedBytesKernel: Kernel {
    let tensor: Tensor

    func run(_ context: borrowing KernelContext) {
        context.outputs[0].copyMemory(from: tensor.storage.bytes, byteCount: tensor.byteCount)
    }
}

/// Fills output 0 with one repeated element of `elementSize` bytes (ConstantOfShape).
struct FillKernel: Kernel {
    let pattern: UInt64
    let elementSize: Int
    let count: Int

    func run(_ context: borrowing KernelContext) {
        let dst = context.outputs[0]
        switch elementSize {
        case 1: dst.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: pattern), count: count)
        case 2: dst.initializeMemory(as: UInt16.self, repeating: UInt16(truncatingIfNeeded: pattern), count: count)
        case 4: dst.initializeMemory(as: UInt32.self, repeating: UInt32(truncatingIfNeeded: pattern), count: count)
        default: dst.initializeMemory(as: UInt64.self, repeating: pattern, count: count)
        }
    }
}

/// The tensor a Constant node holds, from whichever `value*` attribute it uses.
func constantValue(_ sig: KernelSignature) throws(KernelError) -> Tensor {
    let a = sig.node.attributes
    if case let .tensor(t)? = a["value"] { return t }
    if case let .float(v)? = a["value_float"] { return Tensor(floats: [v], shape: []) }
    if case let .floats(v)? = a["value_floats"] { return Tensor(floats: v, shape: [v.count]) }
    if case let .int(v)? = a["value_int"] { return Tensor(dtype: .int64, shape: [], values: [Int64(v)]) }
    if case let .ints(v)? = a["value_ints"] { return Tensor(dtype: .int64, shape: [v.count], values: v.map { Int64($0) }) }
    throw sig.invalid("value", "is missing or of a kind Picojoule does not support (sparse or string)")
}

let constantFactory: KernelFactory = { sig in
    let t = try constantValue(sig)
    try sig.expectOutput(0, count: t.elementCount)
    return PreparedKernel(kernel: FixedBytesKernel(tensor: t), computeType: t.dtype)
}

let constantOfShapeFactory: KernelFactory = { sig in
    var value = Tensor(floats: [0], shape: [1])
    if case let .tensor(t)? = sig.node.attributes["value"] {
        guard t.elementCount == 1 else { throw sig.invalid("value", "must hold exactly one element, has \(t.elementCount)") }
        value = t
    }
    let size = value.dtype.bitWidth / 8
    guard [1, 2, 4, 8].contains(size) else { throw sig.unsupported(value.dtype) }
    var pattern: UInt64 = 0
    withUnsafeMutableBytes(of: &pattern) { $0.copyMemory(from: UnsafeRawBufferPointer(start: value.storage.bytes, count: size)) }
    let out = try sig.outputType(0)
    return PreparedKernel(kernel: FillKernel(pattern: pattern, elementSize: size, count: out.elementCount), computeType: value.dtype)
}

/// Shape (with opset-15 start/end) and Size: values known at prepare time.
let shapeFactory: KernelFactory = { sig in
    let shape = try sig.inputType(0).shape
    let rank = shape.count
    func clampIndex(_ i: Int) -> Int { min(max(i < 0 ? i + rank : i, 0), rank) }
    let start = clampIndex(try sig.int("start", 0))
    let end = clampIndex(try sig.int("end") ?? rank)
    let dims = start < end ? shape[start..<end].map { Int64($0) } : []
    try sig.expectOutput(0, count: dims.count)
    return PreparedKernel(kernel: FixedBytesKernel(tensor: Tensor(dtype: .int64, shape: [dims.count], values: dims)), computeType: .int64)
}

let sizeFactory: KernelFactory = { sig in
    let n = try sig.inputType(0).elementCount
    return PreparedKernel(kernel: FixedBytesKernel(tensor: Tensor(dtype: .int64, shape: [], values: [Int64(n)])), computeType: .int64)
}

/// Range(start, limit, delta): the element count comes from output 0's inferred shape;
/// start and delta are read at run time (two scalar loads).
struct RangeKernel<T: NumericElement>: Kernel {
    let count: Int

    func run(_ context: borrowing KernelContext) {
        let start = context.input(0, as: T.self)[0], delta = context.input(2, as: T.self)[0]
        let y = context.output(0, as: T.self)
        for i in 0..<count { y[i] = T.add(start, T.mul(T.fromCount(i), delta)) }
    }
}

func rangeFactory<T: NumericElement>(_: T.Type) -> KernelFactory {
    return { sig in
        let n = try sig.outputType(0).elementCount
        return PreparedKernel(kernel: RangeKernel<T>(count: n), ops: [T.dtype: Int64(2 * n)], computeType: T.dtype)
    }
}

/// Registers Constant, ConstantOfShape, Shape, Size and Range.
func registerGeneratorOperators(_ r: inout KernelRegistry) {
    let all = DType.allCases.filter { $0 != .string }
    // Constant has no input: registered under every dtype so that whichever type the
    // session keys it by (none, or its output's) finds it.
    r.register("Constant", dtypes: all, constantFactory)
    r.register("ConstantOfShape", dtypes: [.int64, .int32], constantOfShapeFactory)
    r.register("Shape", dtypes: all, shapeFactory)
    r.register("Size", dtypes: all, sizeFactory)
    r.register("Range", dtypes: [.float32], rangeFactory(Float.self))
    r.register("Range", dtypes: [.float64], rangeFactory(Double.self))
    r.register("Range", dtypes: [.int64], rangeFactory(Int64.self))
    r.register("Range", dtypes: [.int32], rangeFactory(Int32.self))
}
