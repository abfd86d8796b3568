import Foundation
import Model

/// The ReduceXxx family. The reduction walks the input once through a two-operand
/// plan over the input's shape: operand 0 is the input, operand 1 the output viewed
/// with stride 0 along reduced axes, so any set of axes costs one pass. The output
/// is initialized, accumulated into, then finalized in place.
struct ReduceKernel<T: NumericElement>: Kernel {
    enum Mode: Sendable { case sum, mean, max, min, prod, l1, l2, logSum, logSumExp, sumSquare }
    let mode: Mode
    let plan: StridedPlan
    let outCount: Int
    /// Elements folded into each output (for Mean).
    let reduced: Int

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: T.self), y = context.output(0, as: T.self)
        switch mode {
        case .max: fill(y, T.lowest); accumulate(x, y) { a, v in a < v || v != v ? v : a }
        case .min: fill(y, T.highest); accumulate(x, y) { a, v in v < a || v != v ? v : a }
        case .prod: fill(y, T.one); accumulate(x, y) { a, v in T.mul(a, v) }
        case .sum, .mean, .logSum: fill(y, T.zero); accumulate(x, y) { a, v in T.add(a, v) }
        case .l1: fill(y, T.zero); accumulate(x, y) { a, v in T.add(a, v < T.zero ? T.neg(v) : v) }
        case .l2, .sumSquare: fill(y, T.zero); accumulate(x, y) { a, v in T.add(a, T.mul(v, v)) }
        case .logSumExp:
            // Subtract each output's maximum before exponentiating, so large inputs do
            // not overflow; the maxima live in scratch.
            let m = context.scratch.bindMemory(to: T.self, capacity: outCount)
            fill(m, T.lowest); accumulate(x, m) { a, v in a < v ? v : a }
            fill(y, T.zero)
            let s1 = plan.innerStrides[1]
            plan.forEachSegment(context.pool, grain: .max) { off, start, n, _ in
                let src = x + off[0] + start * plan.innerStrides[0]
                let o = off[1] + start * s1
                for j in 0..<n {
                    let k = o + j * s1
                    y[k] = T.add(y[k], T(clamping: Foundation.exp(src[j].double - m[k].double)))
                }
            }
            for k in 0..<outCount { y[k] = T(clamping: Foundation.log(y[k].double) + m[k].double) }
        }
        switch mode {
        case .mean: let d = T.fromCount(reduced); for k in 0..<outCount { y[k] = T.div(y[k], d) }
        case .l2: for k in 0..<outCount { y[k] = T(clamping: y[k].double.squareRoot()) }
        case .logSum: for k in 0..<outCount { y[k] = T(clamping: Foundation.log(y[k].double)) }
        default: break
        }
    }

    @inline(__always) private func fill(_ p: UnsafeMutablePointer<T>, _ v: T) {
        for k in 0..<outCount { p[k] = v }
    }

    /// Folds every input element into its output with `combine(accumulator, value)`.
    /// Serial: several input rows fold into one output element.
    @inline(__always) private func accumulate(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ combine: (T, T) -> T) {
        let s0 = plan.innerStrides[0], s1 = plan.innerStrides[1]
        plan.forEachSegment(SerialPool.shared, grain: .max) { off, start, n, _ in
            let src = x + off[0] + start * s0
            if s1 == 0 {
                var acc = y[off[1]]
                for j in 0..<n { acc = combine(acc, src[j * s0]) }
                y[off[1]] = acc
            } else {
                let dst = y + off[1] + start * s1
                for j in 0..<n { dst[j * s1] = combine(dst[j * s1], src[j * s0]) }
            }
        }
    }
}

/// A pool that runs everything on the caller's thread (for folds that must not race).
struct SerialPool: ThreadPool {
    static let shared = SerialPool()
    var threadCount: Int { 1 }
    func parallelFor(_ count: Int, _ body: (Int) -> Void) { for i in 0..<count { body(i) } }
}

extension NumericElement {
    /// The identity of max: -inf for floats, the minimum for integers.
    static var lowest: Self { Self(clamping: -Double.infinity) }
    static var highest: Self { Self(clamping: Double.infinity) }
}

/// Axes to reduce: attribute before `inputFromOpset`, input 1 from it on. Nil = all.
func reduceAxes(_ sig: KernelSignature, rank: Int, inputFromOpset: Int) throws(KernelError) -> [Int]? {
    let raw = sig.opset >= inputFromOpset ? try sig.constantInts(1, "axes") : try sig.ints("axes")
    guard let raw, !raw.isEmpty else { return nil }
    var axes: [Int] = []
    for a in raw { axes.append(try sig.axis(a, rank: rank, name: "axes")) }
    return axes
}

func reduceFactory<T: NumericElement>(_: T.Type, _ mode: ReduceKernel<T>.Mode, inputFromOpset: Int) -> KernelFactory {
    return { sig in
        let shape = try sig.inputType(0).shape
        let axes = try reduceAxes(sig, rank: shape.count, inputFromOpset: inputFromOpset)
        if axes == nil, try sig.int("noop_with_empty_axes", 0) == 1 { return try copyFactory(sig) }
        let reducedSet = Set(axes ?? Array(shape.indices))
        let kept = shape.indices.map { reducedSet.contains($0) ? 1 : shape[$0] }
        var outStrides = contiguousStrides(kept)
        for a in reducedSet { outStrides[a] = 0 }
        let outCount = elementCount(kept)
        try sig.expectOutput(0, count: outCount)
        let plan = StridedPlan(shape: shape, strides: [contiguousStrides(shape), outStrides])
        let n = elementCount(shape)
        let perElement: Int
        switch mode {
        case .l2, .sumSquare, .l1: perElement = 2
        case .logSumExp: perElement = 4
        default: perElement = 1
        }
        let kernel = ReduceKernel<T>(mode: mode, plan: plan, outCount: outCount, reduced: outCount == 0 ? 0 : n / outCount)
        return PreparedKernel(kernel: kernel, scratchBytes: mode == .logSumExp ? outCount * MemoryLayout<T>.stride : 0,
                              ops: [T.dtype: Int64(n * perElement + outCount)], computeType: T.dtype)
    }
}

/// ArgMax / ArgMin along one axis, int64 output; ties resolve to the first index
/// unless `select_last_index` = 1.
struct ArgKernel<T: NumericElement>: Kernel {
    let outer: Int, n: Int, inner: Int
    let isMax: Bool, last: Bool

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: T.self), y = context.output(0, as: Int64.self)
        for o in 0..<outer {
            for i in 0..<inner {
                let src = x + o * n * inner + i
                var best = src[0], arg = 0
                for k in 1..<max(n, 1) {
                    let v = src[k * inner]
                    let better = isMax ? (last ? v >= best : v > best) : (last ? v <= best : v < best)
                    if better { best = v; arg = k }
                }
                y[o * inner + i] = Int64(arg)
            }
        }
    }
}

func argFactory<T: NumericElement>(_: T.Type, isMax: Bool) -> KernelFactory {
    return { sig in
        let shape = try sig.inputType(0).shape
        let a = try sig.axis(try sig.int("axis", 0), rank: shape.count)
        guard shape[a] > 0 else { throw sig.shape("cannot take an arg-extreme over an empty axis") }
        let outer = elementCount(Array(shape.prefix(a))), inner = elementCount(Array(shape.dropFirst(a + 1)))
        try sig.expectOutput(0, count: outer * inner)
        let kernel = ArgKernel<T>(outer: outer, n: shape[a], inner: inner, isMax: isMax, last: try sig.int("select_last_index", 0) == 1)
        return PreparedKernel(kernel: kernel, ops: [T.dtype: Int64(elementCount(shape))], computeType: T.dtype)
    }
}

/// Registers the reductions (float32 all; integer types the exact ones) and ArgMax/ArgMin.
func registerReduceOperators(_ r: inout KernelRegistry) {
    // ReduceSum took its axes as an input from opset 13, the others from opset 18.
    let all: [(String, ReduceKernel<Float>.Mode)] = [
        ("ReduceSum", .sum), ("ReduceMean", .mean), ("ReduceMax", .max), ("ReduceMin", .min), ("ReduceProd", .prod),
        ("ReduceL1", .l1), ("ReduceL2", .l2), ("ReduceLogSum", .logSum), ("ReduceLogSumExp", .logSumExp), ("ReduceSumSquare", .sumSquare),
    ]
    for (op, mode) in all {
        r.register(op, dtypes: [.float32], reduceFactory(Float.self, mode, inputFromOpset: op == "ReduceSum" ? 13 : 18))
    }
    func integer<T: NumericElement>(_: T.Type) {
        let modes: [(String, ReduceKernel<T>.Mode)] = [("ReduceSum", .sum), ("ReduceMean", .mean), ("ReduceMax", .max),
                                                       ("ReduceMin", .min), ("ReduceProd", .prod), ("ReduceL1", .l1), ("ReduceSumSquare", .sumSquare)]
        for (op, mode) in modes { r.register(op, dtypes: [T.dtype], reduceFactory(T.self, mode, inputFromOpset: op == "ReduceSum" ? 13 : 18)) }
        r.register("ArgMax", dtypes: [T.dtype], argFactory(T.self, isMax: true))
        r.register("ArgMin", dtypes: [T.dtype], argFactory(T.self, isMax: false))
    }
    integer(Int64.self)
    integer(Int32.self)
    integer(Double.self)
    r.register("ArgMax", dtypes: [.float32], argFactory(Float.self, isMax: true))
    r.register("ArgMin", dtypes: [.float32], argFactory(Float.self, isMax: false))
}
