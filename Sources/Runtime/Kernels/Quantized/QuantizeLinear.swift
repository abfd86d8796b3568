import Model

/// ONNX QuantizeLinear: y = saturate(round_half_even(x / y_scale) + y_zero_point),
/// per tensor, per axis (opset 13) or per block (opset 21, `block_size`), from
/// float32/float16 to int8/uint8/int16/uint16 and int4/uint4 (packed, opset 21).
/// The division is done in fp32 as onnxruntime's MLAS does. Scale and zero point are
/// read at run time, so they need not be constants.
///
/// Counts 3 ops per element in the input's float type: divide, round-and-offset, clamp.
struct QuantizeLinearKernel<F: FloatStorageElement, Q: QuantizedElement>: Kernel {
    let layout: QuantizationLayout

    @_specialize(where F == F32, Q == QUInt8)
    @_specialize(where F == F32, Q == QInt8)
    @_specialize(where F == F16, Q == QUInt8)
    @_specialize(where F == F16, Q == QInt8)
    func run(_ context: borrowing KernelContext) {
        let x = context.inputs[0]!, scale = context.inputs[1]!, zp = context.inputs.count > 2 ? context.inputs[2] : nil
        let y = context.outputs[0]
        let (lo, hi) = (Q.minValue, Q.maxValue)
        layout.forEachRow(context.pool, serial: Q.isPacked) { start, base, step, n in
            if step == 0 {
                let s = F.load(scale, base), z = zp.map { Q.load($0, base) } ?? 0
                for j in 0..<n { Q.store(y, start + j, saturatingRound(F.load(x, start + j) / s, zeroPoint: z, lo: lo, hi: hi)) }
            } else {
                for j in 0..<n {
                    let p = base + j * step
                    let z = zp.map { Q.load($0, p) } ?? 0
                    Q.store(y, start + j, saturatingRound(F.load(x, start + j) / F.load(scale, p), zeroPoint: z, lo: lo, hi: hi))
                }
            }
        }
    }
}

/// ONNX DequantizeLinear: y = (x − x_zero_point) · x_scale, the subtraction in int32,
/// from int8/uint8/int16/uint16/int32/int4/uint4 to the scale's float32/float16;
/// per tensor, per axis or per block. Counts 2 ops per element (subtract, multiply)
/// in the output's float type.
struct DequantizeLinearKernel<Q: QuantizedElement, F: FloatStorageElement>: Kernel {
    let layout: QuantizationLayout

    @_specialize(where Q == QUInt8, F == F32)
    @_specialize(where Q == QInt8, F == F32)
    @_specialize(where Q == QInt32, F == F32)
    @_specialize(where Q == QUInt8, F == F16)
    @_specialize(where Q == QInt8, F == F16)
    func run(_ context: borrowing KernelContext) {
        let x = context.inputs[0]!, scale = context.inputs[1]!, zp = context.inputs.count > 2 ? context.inputs[2] : nil
        let y = context.outputs[0]
        layout.forEachRow(context.pool, serial: false) { start, base, step, n in
            if step == 0 {
                let s = F.load(scale, base), z = zp.map { Q.load($0, base) } ?? 0
                for j in 0..<n { F.store(y, start + j, Float(Q.load(x, start + j) &- z) * s) }
            } else {
                for j in 0..<n {
                    let p = base + j * step
                    let z = zp.map { Q.load($0, p) } ?? 0
                    F.store(y, start + j, Float(Q.load(x, start + j) &- z) * F.load(scale, p))
                }
            }
        }
    }
}

let quantizeLinearFactory: KernelFactory = { sig in
    let x = try sig.inputType(0)
    let scale = try sig.inputType(1)
    let out = try sig.outputType(0)
    try sig.expectOutput(0, count: x.elementCount)
    guard let f = floatStorageElement(x.dtype) else { throw sig.unsupported(x.dtype) }
    guard scale.dtype == x.dtype else { throw sig.shape("y_scale is \(scale.dtype), input is \(x.dtype); they must match") }
    guard let q = quantizedElement(out.dtype), out.dtype != .int32 else { throw sig.unsupported(out.dtype) }
    if out.dtype.bitWidth == 4 && sig.opset < 21 { throw sig.shape("4-bit QuantizeLinear needs opset 21, the model declares \(sig.opset)") }
    if sig.hasInput(2), try sig.inputType(2).dtype != out.dtype { throw sig.shape("y_zero_point type differs from the output type \(out.dtype)") }
    let layout = try QuantizationLayout.make(sig, data: x, parameterInput: 1)
    try QuantizationLayout.checkSameShape(sig, 2, as: 1)
    func make<F: FloatStorageElement, Q: QuantizedElement>(_: F.Type, _: Q.Type) -> any Kernel { QuantizeLinearKernel<F, Q>(layout: layout) }
    func inner<F: FloatStorageElement>(_ fl: F.Type) -> any Kernel {
        func g<Q: QuantizedElement>(_ qt: Q.Type) -> any Kernel { make(fl, qt) }
        return g(q)
    }
    return PreparedKernel(kernel: inner(f), ops: [x.dtype: Int64(x.elementCount) * 3], computeType: x.dtype)
}

let dequantizeLinearFactory: KernelFactory = { sig in
    let x = try sig.inputType(0)
    let scale = try sig.inputType(1)
    let out = try sig.outputType(0)
    try sig.expectOutput(0, count: x.elementCount)
    guard let q = quantizedElement(x.dtype) else { throw sig.unsupported(x.dtype) }
    guard let f = floatStorageElement(scale.dtype), out.dtype == scale.dtype else { throw sig.unsupported(scale.dtype) }
    if sig.hasInput(2) {
        let z = try sig.inputType(2)
        guard z.dtype == x.dtype else { throw sig.shape("x_zero_point is \(z.dtype), input is \(x.dtype); they must match") }
        if x.dtype == .int32, let c = sig.constants[2], c.integers().contains(where: { $0 != 0 }) {
            throw sig.shape("an int32 input must have zero point 0 (ONNX), this one is not")
        }
    }
    let layout = try QuantizationLayout.make(sig, data: x, parameterInput: 1)
    try QuantizationLayout.checkSameShape(sig, 2, as: 1)
    func inner<Q: QuantizedElement>(_ qt: Q.Type) -> any Kernel {
        func g<F: FloatStorageElement>(_: F.Type) -> any Kernel { DequantizeLinearKernel<Q, F>(layout: layout) }
        return g(f)
    }
    return PreparedKernel(kernel: inner(q), ops: [out.dtype: Int64(x.elementCount) * 2], computeType: out.dtype)
}

/// ONNX DynamicQuantizeLinear (float32 → uint8 plus scale and zero point), as the spec
/// and onnxruntime compute them: the range [min(0, min x), max(0, max x)] maps onto
/// [0, 255]; scale = range / 255 (1 when the range is empty), zero point =
/// round_half_even(clamp(−min / scale, 0, 255)), y = saturate(round(x / scale) + zp).
///
/// Counts 5 ops per element in float32: min, max, divide, round-and-offset, clamp.
struct DynamicQuantizeLinearKernel: Kernel {
    let count: Int

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: Float.self)
        let y = context.output(0, as: UInt8.self)
        var lo: Float = 0, hi: Float = 0
        for i in 0..<count { let v = x[i]; lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
        let scale = hi == lo ? 1 : (hi - lo) / 255
        let zpFloat = Swift.max(0, Swift.min(255, 0 - lo / scale)).rounded(.toNearestOrEven)
        let zp = zpFloat.isNaN ? 0 : Int32(zpFloat)
        parallelChunks(context.pool, count: count, grain: 1 << 14) { range in
            for i in range { y[i] = UInt8(truncatingIfNeeded: saturatingRound(x[i] / scale, zeroPoint: zp, lo: 0, hi: 255)) }
        }
        context.output(1, as: Float.self).pointee = scale
        context.output(2, as: UInt8.self).pointee = UInt8(truncatingIfNeeded: zp)
    }
}

let dynamicQuantizeLinearFactory: KernelFactory = { sig in
    let x = try sig.inputType(0)
    guard x.dtype == .float32 else { throw sig.unsupported(x.dtype) }
    try sig.expectOutput(0, count: x.elementCount)
    guard sig.outputTypes.count == 3 else { throw sig.shape("needs its three outputs (y, y_scale, y_zero_point)") }
    return PreparedKernel(kernel: DynamicQuantizeLinearKernel(count: x.elementCount), ops: [.float32: Int64(x.elementCount) * 5],
                          computeType: .float32)
}
