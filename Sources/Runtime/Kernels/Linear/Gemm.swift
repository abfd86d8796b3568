import Model

/// ONNX Gemm: Y = alpha · A' · B' + beta · C, with A' = transA ? Aᵀ : A (same for B) and
/// C unidirectionally broadcast to M×N. Constant A or B are packed once at prepare.
struct GemmKernel: Kernel {
    var m: Int, n: Int, k: Int
    var alpha: Float, beta: Float
    var transA: Bool, transB: Bool
    var packedA: LinearPackedFloats?
    var packedB: LinearPackedFloats?
    /// Strides of C broadcast to M×N (0 on broadcast axes); nil when C is absent or beta = 0.
    var cStrides: (row: Int, col: Int)?
    var slots: Int

    static func prepare(_ sig: KernelSignature) throws(KernelError) -> PreparedKernel {
        let a = try sig.linearFloatInput(0), b = try sig.linearFloatInput(1)
        guard a.shape.count == 2, b.shape.count == 2 else { throw sig.linearMismatch("A and B must be 2-D, got \(a.shape) and \(b.shape)") }
        let transA = try sig.linearInt("transA", default: 0) != 0
        let transB = try sig.linearInt("transB", default: 0) != 0
        let alpha = try sig.linearFloat("alpha", default: 1), beta = try sig.linearFloat("beta", default: 1)
        let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
        let kb = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1]
        guard k == kb else { throw sig.linearMismatch("inner dimensions differ: A' is \(m)×\(k), B' is \(kb)×\(n)") }
        guard sig.outputTypes.first?.shape == [m, n] else { throw sig.linearMismatch("output shape \(sig.outputTypes.first?.shape ?? []) is not [\(m), \(n)]") }
        var cStrides: (row: Int, col: Int)?
        if sig.linearHasInput(2), beta != 0 {
            let c = try sig.linearFloatInput(2)
            let s = c.shape
            let cols = s.last ?? 1, rows = s.count >= 2 ? s[s.count - 2] : 1
            guard s.count <= 2, cols == 1 || cols == n, rows == 1 || rows == m else {
                throw sig.linearMismatch("C of shape \(s) does not broadcast to [\(m), \(n)]")
            }
            cStrides = (rows == 1 ? 0 : cols, cols == 1 ? 0 : 1)
        }
        var kernel = GemmKernel(m: m, n: n, k: k, alpha: alpha, beta: beta, transA: transA, transB: transB,
                                cStrides: cStrides, slots: sig.linearSlots)
        var packedBytes = 0
        if let ca = sig.linearFloatConstant(0) {
            let p = ca.storage.bytes.assumingMemoryBound(to: Float.self)
            kernel.packedA = LinearPackedFloats(SGEMM.prepackA(p, rowStride: transA ? 1 : k, colStride: transA ? m : 1, m: m, k: k))
            packedBytes += kernel.packedA!.byteCount
        }
        if let cb = sig.linearFloatConstant(1) {
            let p = cb.storage.bytes.assumingMemoryBound(to: Float.self)
            kernel.packedB = LinearPackedFloats(SGEMM.prepackB(p, rowStride: transB ? 1 : n, colStride: transB ? k : 1, k: k, n: n))
            packedBytes += kernel.packedB!.byteCount
        }
        let scratch = SGEMM.scratchBytes(m: m, n: n, k: k, packsA: kernel.packedA == nil, packsB: kernel.packedB == nil, threads: kernel.slots)
        let mn = Int64(m) * Int64(n)
        return PreparedKernel(kernel: kernel, scratchBytes: scratch, packedWeightBytes: packedBytes > 0 ? packedBytes : nil,
                              macs: [.float32: mn * Int64(k)], ops: cStrides == nil ? [:] : [.float32: mn], computeType: .float32)
    }

    func run(_ context: borrowing KernelContext) {
        let y = context.output(0, as: Float.self)
        var epilogue = SGEMMEpilogue(alpha: alpha)
        if let strides = cStrides {
            let c = context.input(2, as: Float.self)
            let rs = strides.row, cs = strides.col
            for i in 0..<m {
                for j in 0..<n { y[i * n + j] = beta * c[i * rs + j * cs] }
            }
            epilogue.accumulate = true
        }
        let a: SGEMMOperandA = packedA.map { .packed($0.pointer) }
            ?? .strided(context.input(0, as: Float.self), rowStride: transA ? 1 : k, colStride: transA ? m : 1)
        let b: SGEMMOperandB = packedB.map { .packed($0.pointer) }
            ?? .strided(context.input(1, as: Float.self), rowStride: transB ? 1 : n, colStride: transB ? k : 1)
        SGEMM.multiply(m: m, n: n, k: k, a: a, b: b, c: y, ldc: n, epilogue: epilogue,
                       scratch: context.scratch.assumingMemoryBound(to: Float.self), slots: slots, pool: context.pool)
    }
}
