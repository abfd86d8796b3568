import Model

/// ONNX MatMulInteger (int32 out) and QLinearMatMul (requantized uint8/int8 out), numpy
/// semantics: batch dimensions broadcast, 1-D operands promoted and their axis dropped.
/// A constant B is packed once per batch matrix at prepare, zero points subtracted.
///
/// Zero points: A's per tensor or per row (M values, or M per batch matrix), B's per tensor
/// or per column (N, or N per batch matrix), read at run time (DynamicQuantizeLinear
/// feeds MatMulInteger its A zero point). QLinearMatMul scales: a and y per tensor or
/// per row, b per tensor or per column; multiplier a_scale·b_scale/y_scale in float.
///
/// Counts: batch·M·N·K MACs under A's dtype; QLinearMatMul 2 int32 ops per output.
struct IntegerMatMulKernel: Kernel {
    var m: Int, n: Int, k: Int
    /// Per output batch: its A matrix and B matrix (indices of whole matrices).
    var aMatrix: [Int], bMatrix: [Int]
    var aIndex: Int, bIndex: Int
    var aSigned: Bool, bSigned: Bool
    var aZero: IntegerZeroPointInput, bZero: IntegerZeroPointInput
    var packedB: IntegerPackedWords?
    var steps: [IntegerRequantStep]
    var stepRowStride: Int, stepColStride: Int
    var output: DType
    var slots: Int

    static func prepare(_ sig: KernelSignature, quantized q: Bool) throws(KernelError) -> PreparedKernel {
        let aIndex = 0, bIndex = q ? 3 : 1
        let a = try sig.integer8Input(aIndex), b = try sig.integer8Input(bIndex)
        let geometry = try MatMulGeometry(sig, a: a.shape, b: b.shape)
        let m = geometry.m, n = geometry.n, k = geometry.k, aB = geometry.aBatch, bB = geometry.bBatch
        let expected = geometry.outputShape
        guard let outType = sig.outputTypes.first, outType.shape.reduce(1, *) == expected.reduce(1, *) else {
            throw sig.linearMismatch("output shape \(sig.outputTypes.first?.shape ?? []) does not match \(expected)")
        }
        let aIdx = geometry.aMatrix, bIdx = geometry.bMatrix, count = aIdx.count
        let aMatrices = aB.reduce(1, *), bMatrices = bB.reduce(1, *)
        let aZero = try sig.integerZeroPoint(2, "a_zero_point", count: m, matrices: aMatrices)
        let bZero = try sig.integerZeroPoint(q ? 5 : 3, "b_zero_point", count: n, matrices: bMatrices)
        var steps: [IntegerRequantStep] = []
        var rs = 0, cs = 0
        if q {
            guard outType.dtype == .uint8 || outType.dtype == .int8 else {
                throw .unsupportedDType(node: sig.node.name, opType: sig.node.opType, dtype: outType.dtype)
            }
            let sa = try sig.integerScales(1, "a_scale", count: m), sb = try sig.integerScales(4, "b_scale", count: n)
            let sy = try sig.integerScales(6, "y_scale", count: m), zy = try sig.integerConstantZeroPoints(7, "y_zero_point", count: m)
            let rows = max(sa.count, sy.count, zy.count) > 1 ? m : 1, cols = sb.count > 1 ? n : 1
            rs = rows > 1 ? cols : 0; cs = cols > 1 ? 1 : 0
            for i in 0..<rows {
                for j in 0..<cols {
                    let scale = sa[sa.count == 1 ? 0 : i] * sb[sb.count == 1 ? 0 : j] / sy[sy.count == 1 ? 0 : i]
                    steps.append(try sig.integerStep(scale: scale, zeroPoint: zy[zy.count == 1 ? 0 : i]))
                }
            }
        } else {
            guard outType.dtype == .int32 else { throw .unsupportedDType(node: sig.node.name, opType: sig.node.opType, dtype: outType.dtype) }
        }
        var kernel = IntegerMatMulKernel(m: m, n: n, k: k, aMatrix: aIdx, bMatrix: bIdx, aIndex: aIndex, bIndex: bIndex,
                                         aSigned: a.dtype == .int8, bSigned: b.dtype == .int8, aZero: aZero, bZero: bZero,
                                         steps: steps, stepRowStride: rs, stepColStride: cs, output: outType.dtype,
                                         slots: sig.linearSlots)
        let zeroConstant = bZero.index.map { sig.constants[$0] != nil } ?? true
        if let cb = sig.constants[bIndex], zeroConstant {
            let per = IntegerGEMM.packedBWords(k: k, n: n)
            let storage = TensorStorage(count: max(per * bMatrices, 1) * 4)
            let dst = storage.bytes.assumingMemoryBound(to: Int32.self)
            let zc = bZero.index.flatMap { sig.constants[$0] }
            for i in 0..<bMatrices {
                let matrix = IntegerMatrix(base: UnsafeRawPointer(cb.storage.bytes) + i * k * n, rowStride: n, colStride: 1,
                                           signed: kernel.bSigned, zeroPoint: bZero.resolve(zc, matrix: i))
                IntegerGEMM.packB(.matrix(matrix), k: k, n: n, j0: 0, count: n, into: dst + i * per)
            }
            kernel.packedB = IntegerPackedWords(storage)
        }
        let packed = kernel.packedB != nil
        let scratch = max(IntegerGEMM.scratchBytes(m: m, n: n, k: k, aPacked: false, bPacked: packed, slots: kernel.slots),
                          IntegerGEMM.scratchBytes(m: m, n: n, k: k, aPacked: false, bPacked: packed, slots: 1) * kernel.slots)
        let outputs = Int64(count) * Int64(m) * Int64(n)
        var packedBytes: Int?
        if let p = kernel.packedB {
            // The weights as the device holds them (one byte per int8 element), not the host's
            // int16-widened packing: this count feeds the device's flash/RAM traffic and memory fit.
            packedBytes = (sig.constants[bIndex]?.byteCount ?? p.byteCount) + steps.count * MemoryLayout<IntegerRequantStep>.stride + aZero.constantBytes
        }
        return PreparedKernel(kernel: kernel, scratchBytes: scratch, packedWeightBytes: packedBytes,
                              macs: [a.dtype: outputs * Int64(k)], ops: q ? [.int32: 2 * outputs] : [:], computeType: a.dtype)
    }

    func run(_ context: borrowing KernelContext) {
        steps.withUnsafeBufferPointer { steps in
            let a = context.inputs[aIndex]!, y = context.outputs[0]
            let bInput: UnsafeRawPointer? = packedB == nil ? context.inputs[bIndex]! : nil
            let batches = aMatrix.count
            let (m, n, k) = (m, n, k)
            let perB = IntegerGEMM.packedBWords(k: k, n: n)
            let outBytes = output == .int32 ? 4 : 1
            let tasks = min(max(1, min(slots, context.pool.threadCount)), batches)
            let perTask = IntegerGEMM.scratchBytes(m: m, n: n, k: k, aPacked: false, bPacked: packedB != nil, slots: 1)
            let inputs = context.inputs
            func one(_ i: Int, _ scratch: UnsafeMutableRawPointer, _ slots: Int, _ pool: ThreadPool) {
                let ai = aMatrix[i], bi = bMatrix[i]
                let am = IntegerMatrix(base: a + ai * m * k, rowStride: k, colStride: 1, signed: aSigned,
                                       zeroPoint: aZero.resolve(inputs, matrix: ai))
                let b: IntegerOperandB = packedB.map { .packed($0.pointer + bi * perB) }
                    ?? .matrix(IntegerMatrix(base: bInput! + bi * k * n, rowStride: n, colStride: 1, signed: bSigned,
                                             zeroPoint: bZero.resolve(inputs, matrix: bi)))
                let out = y + i * m * n * outBytes
                var epilogue: IntegerEpilogue
                switch output {
                case .int32: epilogue = IntegerEpilogue(output: .int32(out.assumingMemoryBound(to: Int32.self)), ldc: n)
                case .int8: epilogue = IntegerEpilogue(output: .int8(out.assumingMemoryBound(to: Int8.self)), ldc: n)
                default: epilogue = IntegerEpilogue(output: .uint8(out.assumingMemoryBound(to: UInt8.self)), ldc: n)
                }
                epilogue.steps = steps.baseAddress
                epilogue.paramRowStride = stepRowStride; epilogue.paramColStride = stepColStride
                IntegerGEMM.multiply(m: m, n: n, k: k, a: .matrix(am), b: b, epilogue: epilogue,
                                     scratch: scratch, slots: slots, pool: pool)
            }
            // Many batches: one thread per group of whole products; few: threads inside each product.
            if tasks > 1 && batches >= 2 * tasks {
                let serial = LinearSerialPool()
                let scratch = context.scratch
                context.pool.parallelFor(tasks) { t in
                    for i in batches * t / tasks..<batches * (t + 1) / tasks { one(i, scratch + t * perTask, 1, serial) }
                }
            } else {
                for i in 0..<batches { one(i, context.scratch, slots, context.pool) }
            }
        }
    }
}
