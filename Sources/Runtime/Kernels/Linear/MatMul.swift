import Model

/// ONNX MatMul (numpy semantics): batched with broadcasting, 1-D operands promoted and
/// their axis dropped from the result. A constant B is packed once per batch matrix.
struct MatMulKernel: Kernel {
    var m: Int, n: Int, k: Int
    /// Per output batch: element offset of its A matrix and of its B matrix (or packed B).
    var aOffsets: [Int]
    var bOffsets: [Int]
    var packedB: LinearPackedFloats?
    var slots: Int

    static func prepare(_ sig: KernelSignature) throws(KernelError) -> PreparedKernel {
        let a = try sig.linearFloatInput(0), b = try sig.linearFloatInput(1)
        let geometry = try MatMulGeometry(sig, a: a.shape, b: b.shape)
        let m = geometry.m, n = geometry.n, k = geometry.k, bB = geometry.bBatch, expected = geometry.outputShape
        guard sig.outputTypes.first?.shape.reduce(1, *) == expected.reduce(1, *) else {
            throw sig.linearMismatch("output shape \(sig.outputTypes.first?.shape ?? []) does not match \(expected)")
        }
        let aIndex = geometry.aMatrix, bIndex = geometry.bMatrix, count = aIndex.count
        var kernel = MatMulKernel(m: m, n: n, k: k, aOffsets: aIndex.map { $0 * m * k }, bOffsets: bIndex.map { $0 * k * n },
                                  slots: sig.linearSlots)
        if let cb = sig.linearFloatConstant(1) {
            let matrices = bB.reduce(1, *)
            let per = SGEMM.packedBCount(k: k, n: n)
            let storage = TensorStorage(count: max(per * matrices, 1) * 4)
            let dst = storage.bytes.assumingMemoryBound(to: Float.self)
            let src = cb.storage.bytes.assumingMemoryBound(to: Float.self)
            for i in 0..<matrices {
                let one = SGEMM.prepackB(src + i * k * n, rowStride: n, colStride: 1, k: k, n: n)
                dst.advanced(by: i * per).update(from: one.bytes.assumingMemoryBound(to: Float.self), count: per)
            }
            kernel.packedB = LinearPackedFloats(storage)
            kernel.bOffsets = bIndex.map { $0 * per }
        }
        let scratch = SGEMM.scratchBytes(m: m, n: n, k: k, packsA: true, packsB: kernel.packedB == nil, threads: kernel.slots)
        return PreparedKernel(kernel: kernel, scratchBytes: scratch, packedWeightBytes: kernel.packedB?.byteCount,
                              macs: [.float32: Int64(count) * Int64(m) * Int64(n) * Int64(k)], computeType: .float32)
    }

    func run(_ context: borrowing KernelContext) {
        let a = context.input(0, as: Float.self)
        let y = context.output(0, as: Float.self)
        let scratch = context.scratch.assumingMemoryBound(to: Float.self)
        let bInput: UnsafePointer<Float>? = packedB == nil ? context.input(1, as: Float.self) : nil
        let packed = packedB?.pointer
        let batches = aOffsets.count
        let (m, n, k) = (m, n, k)
        let tasks = min(max(1, min(slots, context.pool.threadCount)), batches)
        let perThread = SGEMM.scratchFloatsPerThread(m: m, n: n, k: k, packsA: true, packsB: packed == nil)
        func one(_ i: Int, _ s: UnsafeMutablePointer<Float>, _ slots: Int, _ pool: ThreadPool) {
            let b: SGEMMOperandB = packed.map { .packed($0 + bOffsets[i]) } ?? .strided(bInput! + bOffsets[i], rowStride: n, colStride: 1)
            SGEMM.multiply(m: m, n: n, k: k, a: .strided(a + aOffsets[i], rowStride: k, colStride: 1), b: b,
                           c: y + i * m * n, ldc: n, epilogue: SGEMMEpilogue(), scratch: s, slots: slots, pool: pool)
        }
        // Many batches: one thread per group of whole products; few: threads inside each product.
        if tasks > 1 && batches >= 2 * tasks {
            let serial = LinearSerialPool()
            context.pool.parallelFor(tasks) { t in
                for i in batches * t / tasks..<batches * (t + 1) / tasks { one(i, scratch + t * perThread, 1, serial) }
            }
        } else {
            for i in 0..<batches { one(i, scratch, slots, context.pool) }
        }
    }
}

/// Runs loops on the calling thread (used inside a task that is already parallel).
struct LinearSerialPool: ThreadPool {
    var threadCount: Int { 1 }
    func parallelFor(_ count: Int, _ body: (Int) -> Void) { for i in 0..<count { body(i) } }
}
