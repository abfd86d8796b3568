import Model

/// com.microsoft QGemm: Y = alpha · a_scale · b_scale · (A' − a_zp)(B' − b_zp) (+ C), with
/// A' = transA ? Aᵀ : A (same for B). C is int32 at scale alpha · a_scale · b_scale, added to
/// the accumulators and broadcast to M×N. With y_scale the result is requantized
/// (multiplier alpha · a_scale · b_scale / y_scale, in float as onnxruntime); without, it is
/// float32. a per tensor; b_scale and b_zero_point per tensor or per column (N).
///
/// Counts: M·N·K MACs under A's dtype; C adds M·N int32 ops; requantization 2 int32 ops per
/// output, the float scaling 1 float32 op per output.
struct QGemmKernel: Kernel {
    var m: Int, n: Int, k: Int
    var transA: Bool, transB: Bool
    var aSigned: Bool, bSigned: Bool
    var aZero: IntegerZeroPointInput, bZero: IntegerZeroPointInput
    var packedB: IntegerPackedWords?
    /// Strides of C broadcast to M×N (0 on broadcast axes); nil when C is absent.
    var cStrides: (row: Int, col: Int)?
    var steps: [IntegerRequantStep]
    var scales: [Float]
    var perColumn: Bool
    var output: DType
    var slots: Int

    static func prepare(_ sig: KernelSignature) throws(KernelError) -> PreparedKernel {
        let a = try sig.integer8Input(0), b = try sig.integer8Input(3)
        guard a.shape.count == 2, b.shape.count == 2 else { throw sig.linearMismatch("A and B must be 2-D, got \(a.shape) and \(b.shape)") }
        let transA = try sig.linearInt("transA", default: 0) != 0
        let transB = try sig.linearInt("transB", default: 0) != 0
        let alpha = try sig.linearFloat("alpha", default: 1)
        let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
        let kb = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1]
        guard k == kb else { throw sig.linearMismatch("inner dimensions differ: A' is \(m)×\(k), B' is \(kb)×\(n)") }
        guard let outType = sig.outputTypes.first, outType.shape == [m, n] else {
            throw sig.linearMismatch("output shape \(sig.outputTypes.first?.shape ?? []) is not [\(m), \(n)]")
        }
        var cStrides: (row: Int, col: Int)?
        if sig.linearHasInput(6) {
            let c = try sig.inputType(6)
            guard c.dtype == .int32 else { throw .unsupportedDType(node: sig.node.name, opType: sig.node.opType, dtype: c.dtype) }
            let s = c.shape
            let cols = s.last ?? 1, rows = s.count >= 2 ? s[s.count - 2] : 1
            guard s.count <= 2, cols == 1 || cols == n, rows == 1 || rows == m else {
                throw sig.linearMismatch("C of shape \(s) does not broadcast to [\(m), \(n)]")
            }
            cStrides = (rows == 1 ? 0 : cols, cols == 1 ? 0 : 1)
        }
        let aZero = try sig.integerZeroPoint(2, "a_zero_point", count: 1, perElement: false)
        let bZero = try sig.integerZeroPoint(5, "b_zero_point", count: n)
        let sa = try sig.integerScales(1, "a_scale"), sb = try sig.integerScales(4, "b_scale", count: n)
        let quantized = sig.linearHasInput(7)
        var steps: [IntegerRequantStep] = [], scales: [Float] = []
        if quantized {
            guard outType.dtype == .uint8 || outType.dtype == .int8 else {
                throw .unsupportedDType(node: sig.node.name, opType: sig.node.opType, dtype: outType.dtype)
            }
            let sy = try sig.integerScales(7, "y_scale"), zy = try sig.integerConstantZeroPoints(8, "y_zero_point")
            for j in 0..<sb.count { steps.append(try sig.integerStep(scale: alpha * sa[0] * sb[j] / sy[0], zeroPoint: zy[0])) }
        } else {
            guard outType.dtype == .float32 else { throw .unsupportedDType(node: sig.node.name, opType: sig.node.opType, dtype: outType.dtype) }
            scales = sb.map { alpha * sa[0] * $0 }
        }
        var kernel = QGemmKernel(m: m, n: n, k: k, transA: transA, transB: transB, aSigned: a.dtype == .int8, bSigned: b.dtype == .int8,
                                 aZero: aZero, bZero: bZero, cStrides: cStrides, steps: steps, scales: scales,
                                 perColumn: sb.count > 1, output: outType.dtype, slots: sig.linearSlots)
        let zeroConstant = bZero.index.map { sig.constants[$0] != nil } ?? true
        if let cb = sig.constants[3], zeroConstant {
            let matrix = IntegerMatrix(base: UnsafeRawPointer(cb.storage.bytes), rowStride: transB ? 1 : n, colStride: transB ? k : 1,
                                       signed: kernel.bSigned, zeroPoint: bZero.resolve(bZero.index.flatMap { sig.constants[$0] }))
            kernel.packedB = IntegerPackedWords(IntegerGEMM.prepackB(matrix, k: k, n: n))
        }
        let scratch = IntegerGEMM.scratchBytes(m: m, n: n, k: k, aPacked: false, bPacked: kernel.packedB != nil, slots: kernel.slots)
        let mn = Int64(m) * Int64(n)
        var ops: [DType: Int64] = [:]
        if cStrides != nil { ops[.int32] = mn }
        if quantized { ops[.int32, default: 0] += 2 * mn } else { ops[.float32] = mn }
        var packedBytes: Int?
        if let p = kernel.packedB {
            // The weights as the device holds them (one byte per int8 element), not the host's
            // int16-widened packing: this count feeds the device's flash/RAM traffic and memory fit.
            packedBytes = (sig.constants[3]?.byteCount ?? p.byteCount) + steps.count * MemoryLayout<IntegerRequantStep>.stride + scales.count * 4 + aZero.constantBytes
                + (sig.constants.count > 6 ? sig.constants[6]?.byteCount ?? 0 : 0)
        }
        return PreparedKernel(kernel: kernel, scratchBytes: scratch, packedWeightBytes: packedBytes,
                              macs: [a.dtype: mn * Int64(k)], ops: ops, computeType: a.dtype)
    }

    func run(_ context: borrowing KernelContext) {
        let inputs = context.inputs
        let am = IntegerMatrix(base: inputs[0]!, rowStride: transA ? 1 : k, colStride: transA ? m : 1, signed: aSigned,
                               zeroPoint: aZero.resolve(inputs))
        let b: IntegerOperandB = packedB.map { .packed($0.pointer) }
            ?? .matrix(IntegerMatrix(base: inputs[3]!, rowStride: transB ? 1 : n, colStride: transB ? k : 1, signed: bSigned,
                                     zeroPoint: bZero.resolve(inputs)))
        let y = context.outputs[0]
        var epilogue: IntegerEpilogue
        switch output {
        case .float32: epilogue = IntegerEpilogue(output: .float(y.assumingMemoryBound(to: Float.self)), ldc: n)
        case .int8: epilogue = IntegerEpilogue(output: .int8(y.assumingMemoryBound(to: Int8.self)), ldc: n)
        default: epilogue = IntegerEpilogue(output: .uint8(y.assumingMemoryBound(to: UInt8.self)), ldc: n)
        }
        if let strides = cStrides {
            epilogue.addend = context.input(6, as: Int32.self)
            epilogue.addendRowStride = strides.row; epilogue.addendColStride = strides.col
        }
        epilogue.paramColStride = perColumn ? 1 : 0
        let (m, n, k, slots) = (m, n, k, slots)
        let scratch = context.scratch, pool = context.pool
        steps.withUnsafeBufferPointer { steps in
            scales.withUnsafeBufferPointer { scales in
                var e = epilogue
                e.steps = steps.baseAddress; e.scales = scales.baseAddress
                IntegerGEMM.multiply(m: m, n: n, k: k, a: .matrix(am), b: b, epilogue: e, scratch: scratch, slots: slots, pool: pool)
            }
        }
    }
}
