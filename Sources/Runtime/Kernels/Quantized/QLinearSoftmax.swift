import Foundation
import Model

/// com.microsoft QLinearSoftmax (X, X_scale, x_zero_point, y_scale, y_zero_point;
/// attributes axis and opset, the opset of the Softmax it replaces: below 13 the input
/// is flattened at `axis`). Integer at run time, like onnxruntime's lookup-table kernel:
/// e[d] = round(2^24 · exp(−d · x_scale)) for d = max − x in quantized steps is
/// tabulated at prepare; each line sums its e values, each probability is the Q30
/// quotient (e << 30) / sum, requantized by the fixed-point multiplier 2^-30 / y_scale
/// (half to even), plus y_zero_point, saturated. Within one quantization step of the
/// float softmax.
///
/// Counts 6 ops per element: max, table index, sum, divide, rescale, clamp.
struct QLinearSoftmaxKernel<Q: WholeQuantizedElement>: Kernel {
    let outer: Int, axisLength: Int, inner: Int
    let table: QuantizedTables
    let zeroPoint: Int64
    let multiplier: FixedMultiplier

    @_specialize(where Q == QUInt8)
    @_specialize(where Q == QInt8)
    func run(_ context: borrowing KernelContext) {
        let x = context.inputs[0]!, y = context.outputs[0]
        let (n, inner) = (axisLength, inner)
        let e = table.pointer
        let (zp, lo, hi) = (zeroPoint, Int64(Q.minValue), Int64(Q.maxValue))
        let m = multiplier
        guard n > 0 else { return }
        parallelChunks(context.pool, count: outer * inner, grain: max(1, 4096 / n)) { range in
            for line in range {
                let base = (line / inner) * n * inner + line % inner
                var mx = Q.load(x, base)
                for k in 1..<n { mx = Swift.max(mx, Q.load(x, base + k * inner)) }
                var sum: Int64 = 0
                for k in 0..<n { sum &+= e[Int(mx &- Q.load(x, base + k * inner))] }
                for k in 0..<n {
                    let p = (e[Int(mx &- Q.load(x, base + k * inner))] << 30) / sum
                    Q.store(y, base + k * inner, Int32(Swift.min(hi, Swift.max(lo, m.apply(p) &+ zp))))
                }
            }
        }
    }
}

let qlinearSoftmaxFactory: KernelFactory = { sig in
    let x = try sig.inputType(0)
    let out = try sig.outputType(0)
    guard out.dtype == x.dtype else { throw sig.shape("output is \(out.dtype), input \(x.dtype); they must match") }
    try sig.expectOutput(0, count: x.elementCount)
    let xs = try constantScalar(sig, 1, "X_scale"), ys = try constantScalar(sig, 3, "y_scale")
    guard xs > 0, ys > 0, xs.isFinite, ys.isFinite else { throw sig.shape("scales must be positive and finite") }
    _ = try constantZeroPoint(sig, 2, dtype: x.dtype)
    let yz = try constantZeroPoint(sig, 4, dtype: x.dtype)
    let shape = x.shape, rank = shape.count
    let flatten = try sig.int("opset", 13) < 13
    let a = try sig.axis(try sig.int("axis", flatten ? 1 : -1), rank: max(rank, 1))
    let outerCount = elementCount(Array(shape.prefix(a)))
    let n = flatten ? elementCount(Array(shape.dropFirst(a))) : (rank == 0 ? 1 : shape[a])
    let innerCount = flatten || rank == 0 ? 1 : elementCount(Array(shape.dropFirst(a + 1)))
    // Differences span at most 255 steps (uint8 and int8 alike).
    let table = QuantizedTables((0..<256).map { Int64((Foundation.exp(-Double($0) * xs) * 16_777_216).rounded(.toNearestOrEven)) })
    return try withByteQuantized(sig, x.dtype) { q throws(KernelError) in
        func make<Q: WholeQuantizedElement>(_: Q.Type) -> any Kernel {
            QLinearSoftmaxKernel<Q>(outer: outerCount, axisLength: n, inner: innerCount, table: table, zeroPoint: Int64(yz),
                                    multiplier: FixedMultiplier(Double.pow2(-30) / ys))
        }
        return PreparedKernel(kernel: make(q), ops: [x.dtype: Int64(x.elementCount) * 6], computeType: x.dtype)
    }
}
