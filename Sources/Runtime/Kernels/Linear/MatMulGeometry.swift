/// A matrix product's geometry under numpy-style MatMul rules (1-D operands promoted,
/// batch dimensions broadcast), shared by MatMul, MatMulInteger and QLinearMatMul.
struct MatMulGeometry {
    var m: Int, n: Int, k: Int
    /// Batch dimensions of each operand, left-padded with 1s to the output's rank.
    var aBatch: [Int], bBatch: [Int]
    var outBatch: [Int]
    /// The output shape the node must have (1-D operands drop their promoted axis).
    var outputShape: [Int]
    /// For every output matrix, the index of the A and the B matrix it multiplies.
    var aMatrix: [Int], bMatrix: [Int]

    init(_ sig: KernelSignature, a: [Int], b: [Int]) throws(KernelError) {
        guard !a.isEmpty, !b.isEmpty else { throw sig.linearMismatch("operands must have at least one dimension") }
        let aShape = a.count == 1 ? [1, a[0]] : a
        let bShape = b.count == 1 ? [b[0], 1] : b
        m = aShape[aShape.count - 2]; k = aShape[aShape.count - 1]
        let kb = bShape[bShape.count - 2]
        n = bShape[bShape.count - 1]
        guard k == kb else { throw sig.linearMismatch("inner dimensions differ: \(a) × \(b)") }
        let aOwn = Array(aShape.dropLast(2)), bOwn = Array(bShape.dropLast(2))
        let rank = max(aOwn.count, bOwn.count)
        aBatch = Array(repeating: 1, count: rank - aOwn.count) + aOwn
        bBatch = Array(repeating: 1, count: rank - bOwn.count) + bOwn
        outBatch = []
        for i in 0..<rank {
            guard aBatch[i] == bBatch[i] || aBatch[i] == 1 || bBatch[i] == 1 else {
                throw sig.linearMismatch("batch dimensions \(aOwn) and \(bOwn) do not broadcast")
            }
            outBatch.append(aBatch[i] == 1 ? bBatch[i] : aBatch[i])
        }
        outputShape = outBatch
        if a.count > 1 { outputShape.append(m) }
        if b.count > 1 { outputShape.append(n) }
        let count = outBatch.reduce(1, *)
        aMatrix = [Int](repeating: 0, count: count); bMatrix = [Int](repeating: 0, count: count)
        for flat in 0..<count {
            var rem = flat, ai = 0, bi = 0, aStride = 1, bStride = 1
            for d in stride(from: rank - 1, through: 0, by: -1) {
                let idx = rem % outBatch[d]; rem /= outBatch[d]
                if aBatch[d] != 1 { ai += idx * aStride }
                if bBatch[d] != 1 { bi += idx * bStride }
                aStride *= aBatch[d]; bStride *= bBatch[d]
            }
            aMatrix[flat] = ai; bMatrix[flat] = bi
        }
    }
}
