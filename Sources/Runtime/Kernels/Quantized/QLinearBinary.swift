import Model

/// com.microsoft QLinearAdd: C = quantize(dequantize(A) + dequantize(B)), broadcasting,
/// in integers. Each operand's contribution (a − a_zp)·a_scale/c_scale is tabulated at
/// prepare for all 256 values as a Q32 fixed-point Int64, so `run` does two lookups,
/// one add, one rounding shift (half to even), the zero-point add and the clamp.
///
/// Counts 4 ops per output element (add, rounding shift, zero-point add, clamp) in
/// the operand dtype (int8/uint8).
struct QLinearAddKernel<Q: WholeQuantizedElement>: Kernel {
    let plan: StridedPlan
    /// 256 entries per operand, indexed by the stored byte (int8 through its bit pattern).
    let tables: QuantizedTables
    let zeroPoint: Int64

    @_specialize(where Q == QUInt8)
    @_specialize(where Q == QInt8)
    func run(_ context: borrowing KernelContext) {
        let a = context.inputs[0]!, b = context.inputs[3]!, c = context.outputs[0]
        let sa = plan.innerStrides[0], sb = plan.innerStrides[1]
        let ta = tables.pointer, tb = tables.pointer + 256
        let (zp, lo, hi) = (zeroPoint, Int64(Q.minValue), Int64(Q.maxValue))
        plan.forEachSegment(context.pool) { off, start, n, out in
            let pa = a.assumingMemoryBound(to: UInt8.self) + off[0] + start * sa
            let pb = b.assumingMemoryBound(to: UInt8.self) + off[1] + start * sb
            let pc = c.assumingMemoryBound(to: UInt8.self) + out
            for j in 0..<n {
                let v = roundingShift(ta[Int(pa[j * sa])] &+ tb[Int(pb[j * sb])], 32) &+ zp
                pc[j] = UInt8(truncatingIfNeeded: Swift.min(hi, Swift.max(lo, v)))
            }
        }
    }
}

/// com.microsoft QLinearMul: C = quantize(dequantize(A) · dequantize(B)), broadcasting:
/// (a − a_zp)(b − b_zp) in int32, requantized by the fixed-point multiplier
/// a_scale·b_scale/c_scale (rounded half to even), plus c_zp, clamped.
///
/// Counts 6 ops per output element: two zero-point subtractions, the product, the
/// fixed-point multiply with its rounding shift, the zero-point add and the clamp.
struct QLinearMulKernel<Q: WholeQuantizedElement>: Kernel {
    let plan: StridedPlan
    let zeroPoints: (a: Int32, b: Int32, c: Int64)
    let multiplier: FixedMultiplier

    @_specialize(where Q == QUInt8)
    @_specialize(where Q == QInt8)
    func run(_ context: borrowing KernelContext) {
        let a = context.inputs[0]!, b = context.inputs[3]!, c = context.outputs[0]
        let sa = plan.innerStrides[0], sb = plan.innerStrides[1]
        let (za, zb, zc) = zeroPoints
        let (lo, hi) = (Int64(Q.minValue), Int64(Q.maxValue))
        let m = multiplier
        let cBytes = c.assumingMemoryBound(to: UInt8.self)
        plan.forEachSegment(context.pool) { off, start, n, out in
            let ia = off[0] + start * sa, ib = off[1] + start * sb
            if (sa == 0) != (sb == 0) && n >= 512 {
                // One operand is constant along the row (a per-channel scale, BatchNormalization
                // quantized as Mul): the output is a function of the other operand's byte, so
                // tabulate it once for the row; same arithmetic, same results.
                let (vp, vi, vs, c) = sb == 0 ? (a, ia, sa, Q.load(b, ib) &- zb) : (b, ib, sb, Q.load(a, ia) &- za)
                let zv = sb == 0 ? za : zb
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { table in
                    for byte in 0..<256 {
                        let q = Q.dtype == .int8 ? Int32(Int8(truncatingIfNeeded: byte)) : Int32(byte)
                        let v = m.apply(Int64((q &- zv) &* c)) &+ zc
                        table[byte] = UInt8(truncatingIfNeeded: Swift.min(hi, Swift.max(lo, v)))
                    }
                    let src = vp.assumingMemoryBound(to: UInt8.self) + vi, dst = cBytes + out
                    for j in 0..<n { dst[j] = table[Int(src[j * vs])] }
                }
                return
            }
            for j in 0..<n {
                let p = (Q.load(a, ia + j * sa) &- za) &* (Q.load(b, ib + j * sb) &- zb)
                let v = m.apply(Int64(p)) &+ zc
                Q.store(c, out + j, Int32(Swift.min(hi, Swift.max(lo, v))))
            }
        }
    }
}

/// Constant lookup tables a kernel owns (Int64 entries).
struct QuantizedTables: @unchecked Sendable {
    let storage: TensorStorage
    var pointer: UnsafePointer<Int64> { UnsafePointer(storage.bytes.assumingMemoryBound(to: Int64.self)) }
    init(_ values: [Int64]) {
        storage = TensorStorage(count: values.count * 8)
        values.withUnsafeBytes { storage.bytes.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }
}

/// For each stored byte b (the bit pattern of an int8 or uint8 value q):
/// round((q − zp) · ratio · 2^32), bounded so that sums never overflow.
func fixedPointTable(_ q: any WholeQuantizedElement.Type, zeroPoint: Int32, ratio: Double) -> [Int64] {
    (0..<256).map { byte in
        let value = q.dtype == .int8 ? Int32(Int8(truncatingIfNeeded: byte)) : Int32(byte)
        let v = (Double(value - zeroPoint) * ratio * 4_294_967_296).rounded(.toNearestOrEven)
        return Int64(Swift.max(-Double(1 << 50), Swift.min(Double(1 << 50), v)))
    }
}

/// Reads the quantization parameters of a QLinearAdd/QLinearMul node:
/// A(0), A_scale(1), A_zp(2), B(3), B_scale(4), B_zp(5), C_scale(6), C_zp(7).
private func binaryParameters(_ sig: KernelSignature) throws(KernelError) -> (dtype: DType, scales: [Double], zps: [Int32]) {
    let a = try sig.inputType(0), b = try sig.inputType(3)
    guard a.dtype == b.dtype else { throw sig.shape("A is \(a.dtype), B is \(b.dtype); they must match") }
    let out = try sig.outputType(0)
    guard out.dtype == a.dtype else { throw sig.shape("C is \(out.dtype), A is \(a.dtype); they must match") }
    let scales = [try constantScalar(sig, 1, "A_scale"), try constantScalar(sig, 4, "B_scale"), try constantScalar(sig, 6, "C_scale")]
    guard scales.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw sig.shape("scales must be positive and finite, are \(scales)") }
    let zps = [try constantZeroPoint(sig, 2, dtype: a.dtype), try constantZeroPoint(sig, 5, dtype: a.dtype),
               try constantZeroPoint(sig, 7, dtype: a.dtype)]
    return (a.dtype, scales, zps)
}

let qlinearAddFactory: KernelFactory = { sig in
    let (dtype, s, z) = try binaryParameters(sig)
    let (plan, _) = try broadcastPlan(sig, inputs: 2, shapes: [try sig.inputType(0).shape, try sig.inputType(3).shape])
    return try withByteQuantized(sig, dtype) { q throws(KernelError) in
        let tables = QuantizedTables(fixedPointTable(q, zeroPoint: z[0], ratio: s[0] / s[2]) + fixedPointTable(q, zeroPoint: z[1], ratio: s[1] / s[2]))
        func make<Q: WholeQuantizedElement>(_: Q.Type) -> any Kernel { QLinearAddKernel<Q>(plan: plan, tables: tables, zeroPoint: Int64(z[2])) }
        return PreparedKernel(kernel: make(q), ops: [dtype: Int64(plan.count) * 4], computeType: dtype)
    }
}

let qlinearMulFactory: KernelFactory = { sig in
    let (dtype, s, z) = try binaryParameters(sig)
    let (plan, _) = try broadcastPlan(sig, inputs: 2, shapes: [try sig.inputType(0).shape, try sig.inputType(3).shape])
    let multiplier = FixedMultiplier(s[0] * s[1] / s[2])
    return try withByteQuantized(sig, dtype) { q throws(KernelError) in
        func make<Q: WholeQuantizedElement>(_: Q.Type) -> any Kernel {
            QLinearMulKernel<Q>(plan: plan, zeroPoints: (z[0], z[1], Int64(z[2])), multiplier: multiplier)
        }
        return PreparedKernel(kernel: make(q), ops: [dtype: Int64(plan.count) * 6], computeType: dtype)
    }
}
