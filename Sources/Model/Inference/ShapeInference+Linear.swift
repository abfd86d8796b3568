/// Shape rules for Gemm, MatMul and their integer/quantized forms.
extension ShapeInference {
    /// Gemm and com.microsoft QGemm (A, a_scale, a_zp, B, b_scale, b_zp, C, y_scale, y_zp).
    static func gemm(_ c: OpContext) throws(ModelError) -> TensorType {
        let quantized = c.node.opType == "QGemm"
        let a = try c.type(0)
        let b = try c.shape(quantized ? 3 : 1)
        guard a.shape.count == 2, b.count == 2 else { throw c.invalid("A and B must be 2-D, are \(a.shape) and \(b)") }
        let transA = try c.int("transA", 0) != 0, transB = try c.int("transB", 0) != 0
        let (m, ka) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = transB ? (b[1], b[0]) : (b[0], b[1])
        guard ka == kb else { throw c.invalid("inner dimensions \(ka) and \(kb) differ (A \(a.shape), B \(b))") }
        let biasIndex = quantized ? 6 : 2
        if c.has(biasIndex) { _ = try c.broadcast([c.shape(biasIndex), [m, n]]) }
        var dtype = a.dtype
        if quantized { dtype = c.has(7) ? (c.has(8) ? try c.type(8).dtype : .uint8) : .float32 }
        return TensorType(dtype: dtype, shape: [m, n])
    }

    /// MatMul with numpy semantics: batch dimensions broadcast, a 1-D operand
    /// gains and then loses a unit dimension. MatMulInteger gives int32,
    /// QLinearMatMul the dtype of y_zero_point.
    static func matmul(_ c: OpContext) throws(ModelError) -> TensorType {
        let q = c.node.opType == "QLinearMatMul"
        let a = try c.type(0)
        var sa = a.shape, sb = try c.shape(q ? 3 : 1)
        guard !sa.isEmpty, !sb.isEmpty else { throw c.invalid("MatMul operands must have rank >= 1") }
        let aVector = sa.count == 1, bVector = sb.count == 1
        if aVector { sa = [1] + sa }
        if bVector { sb = sb + [1] }
        guard sa[sa.count - 1] == sb[sb.count - 2] else {
            throw c.invalid("inner dimensions differ: \(a.shape) x \(try c.shape(q ? 3 : 1))")
        }
        var shape = try c.broadcast([Array(sa.dropLast(2)), Array(sb.dropLast(2))])
        if !aVector { shape.append(sa[sa.count - 2]) }
        if !bVector { shape.append(sb[sb.count - 1]) }
        let dtype: DType = switch c.node.opType {
        case "MatMulInteger": .int32
        case "QLinearMatMul": c.has(7) ? try c.type(7).dtype : a.dtype
        default: a.dtype
        }
        return TensorType(dtype: dtype, shape: shape)
    }

    /// com.microsoft MatMulNBits: A [..., K] times packed B [N, K] → [..., N].
    static func matmulNBits(_ c: OpContext) throws(ModelError) -> TensorType {
        let a = try c.type(0)
        let k = try c.int("K", 0), n = try c.int("N", 0)
        guard k > 0, n > 0, a.shape.last == k else { throw c.invalid("needs attributes K and N > 0 with A's last dimension K (A \(a.shape), K \(k))") }
        return TensorType(dtype: a.dtype, shape: a.shape.dropLast() + [n])
    }
}
