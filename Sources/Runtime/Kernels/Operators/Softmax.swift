import Foundation
import Model

/// Softmax, LogSoftmax and Hardmax over a (outer, axis, inner) view of the input.
///
/// Before opset 13 the input is flattened to 2-D at `axis` (default 1) and the
/// operator normalizes over everything from `axis` on; from opset 13 it normalizes
/// over the single dimension `axis` (default -1). Both map to the same view: the
/// old semantics is (prod(shape[..<axis]), prod(shape[axis...]), 1).
struct SoftmaxKernel: Kernel {
    enum Mode: Sendable { case softmax, logSoftmax, hardmax }
    let mode: Mode
    let outer: Int, axisLength: Int, inner: Int

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: Float.self), y = context.output(0, as: Float.self)
        let (n, inner, mode) = (axisLength, inner, mode)
        // Parallel over independent (outer, inner) lines.
        parallelChunks(context.pool, count: outer * inner, grain: max(1, 4096 / max(n, 1))) { range in
            for line in range {
                let o = line / inner, i = line % inner
                let src = x + o * n * inner + i, dst = y + o * n * inner + i
                if n == 0 { continue }
                // Hardmax picks the first maximum.
                var m = src[0], arg = 0
                for k in 1..<n where src[k * inner] > m { m = src[k * inner]; arg = k }
                switch mode {
                case .hardmax:
                    for k in 0..<n { dst[k * inner] = k == arg ? 1 : 0 }
                case .softmax:
                    var sum: Float = 0
                    for k in 0..<n { let e = Foundation.exp(src[k * inner] - m); dst[k * inner] = e; sum += e }
                    let r = 1 / sum
                    for k in 0..<n { dst[k * inner] *= r }
                case .logSoftmax:
                    var sum: Float = 0
                    for k in 0..<n { sum += Foundation.exp(src[k * inner] - m) }
                    // (x - max) - log(sum), not x - (max + log(sum)): no cancellation at large x.
                    let l = Foundation.log(sum)
                    for k in 0..<n { dst[k * inner] = (src[k * inner] - m) - l }
                }
            }
        }
    }
}

/// Factory shared by the three operators; `mode` picks the normalization.
func softmaxFactory(_ mode: SoftmaxKernel.Mode) -> KernelFactory {
    return { sig in
        let shape = try sig.inputType(0).shape
        let rank = shape.count
        try sig.expectOutput(0, count: elementCount(shape))
        let flatten = sig.opset < 13
        let a = try sig.axis(try sig.int("axis", flatten ? 1 : -1), rank: max(rank, 1))
        let outer = elementCount(Array(shape.prefix(a)))
        let n = flatten ? elementCount(Array(shape.dropFirst(a))) : (rank == 0 ? 1 : shape[a])
        let inner = flatten || rank == 0 ? 1 : elementCount(Array(shape.dropFirst(a + 1)))
        // max, subtract, exp, sum, scale: five ops per element (hardmax: one compare).
        let perElement = mode == .hardmax ? 1 : 5
        let kernel = SoftmaxKernel(mode: mode, outer: outer, axisLength: n, inner: inner)
        return PreparedKernel(kernel: kernel, ops: [.float32: Int64(elementCount(shape) * perElement)], computeType: .float32)
    }
}

/// Registers Softmax, LogSoftmax and Hardmax for float32.
func registerSoftmaxOperators(_ r: inout KernelRegistry) {
    r.register("Softmax", dtypes: [.float32], softmaxFactory(.softmax))
    r.register("LogSoftmax", dtypes: [.float32], softmaxFactory(.logSoftmax))
    r.register("Hardmax", dtypes: [.float32], softmaxFactory(.hardmax))
}
