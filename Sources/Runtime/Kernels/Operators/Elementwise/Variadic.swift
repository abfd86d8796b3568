import Model

/// Sum, Mean, Max and Min over any number of broadcasting inputs: the output row is
/// the accumulator, folded with one input at a time so each inner loop streams.
struct VariadicKernel<T: NumericElement, F: BinaryFunction>: Kernel where F.In == T, F.Out == T {
    let plan: StridedPlan
    let mean: Bool

    func run(_ context: borrowing KernelContext) {
        let ins = context.inputs
        let o = context.output(0, as: T.self)
        let k = plan.operands
        let strides = plan.innerStrides
        let scale = T.fromCount(k)
        plan.forEachSegment(context.pool) { off, start, n, out in
            let dst = o + out
            strides.withUnsafeBufferPointer { s in
                let p0 = ins[0]!.assumingMemoryBound(to: T.self) + off[0] + start * s[0]
                let s0 = s[0]
                for j in 0..<n { dst[j] = p0[j * s0] }
                for i in 1..<k {
                    let p = ins[i]!.assumingMemoryBound(to: T.self) + off[i] + start * s[i]
                    let si = s[i]
                    if si == 1 { for j in 0..<n { dst[j] = F.apply(dst[j], p[j]) } }
                    else { for j in 0..<n { dst[j] = F.apply(dst[j], p[j * si]) } }
                }
                if mean { for j in 0..<n { dst[j] = T.div(dst[j], scale) } }
            }
        }
    }
}

/// Registers Sum, Mean, Max and Min for `T`; two inputs take the binary kernels
/// (`pairs`, SIMD8 for float), one input is a copy.
func registerVariadic<T: NumericElement>(_ r: inout KernelRegistry, _: T.Type, pairs: [String: KernelFactory] = [:]) {
    let d = T.dtype
    func make<F: BinaryFunction, F2: BinaryFunction>(_ op: String, _ f: F.Type, pair: F2.Type, mean: Bool) -> KernelFactory where F.In == T, F.Out == T {
        let pairFactory = pairs[op] ?? binaryFactory(F2.self, computeType: d, opsPerElement: mean ? 2 : 1)
        return { sig in
            let count = sig.inputTypes.count
            guard count >= 1 else { throw KernelError.missingInput(node: sig.node.name, opType: sig.node.opType, index: 0) }
            if count == 1 { return try copyFactory(sig) }
            if count == 2 { return try pairFactory(sig) }
            let (plan, _) = try broadcastPlan(sig, inputs: count)
            let ops = plan.count * (count - 1 + (mean ? 1 : 0))
            return PreparedKernel(kernel: VariadicKernel<T, F>(plan: plan, mean: mean), ops: [d: Int64(ops)], computeType: d)
        }
    }
    r.register("Sum", dtypes: [d], make("Sum", Arith<T>.Add.self, pair: Arith<T>.Add.self, mean: false))
    r.register("Mean", dtypes: [d], make("Mean", Arith<T>.Add.self, pair: Arith<T>.Mean2.self, mean: true))
    r.register("Max", dtypes: [d], make("Max", Arith<T>.Max.self, pair: Arith<T>.Max.self, mean: false))
    r.register("Min", dtypes: [d], make("Min", Arith<T>.Min.self, pair: Arith<T>.Min.self, mean: false))
}

/// Where(condition, X, Y): a three-operand broadcast select, keyed by the bool
/// condition; X and Y may be any type, so the kernel moves elements by size.
struct WhereKernel<E: BitwiseCopyable>: Kernel {
    let plan: StridedPlan

    func run(_ context: borrowing KernelContext) {
        let c = context.input(0, as: UInt8.self), x = context.input(1, as: E.self), y = context.input(2, as: E.self)
        let o = context.output(0, as: E.self)
        let sc = plan.innerStrides[0], sx = plan.innerStrides[1], sy = plan.innerStrides[2]
        plan.forEachSegment(context.pool) { off, start, n, out in
            let cp = c + off[0] + start * sc, xp = x + off[1] + start * sx, yp = y + off[2] + start * sy
            let dst = o + out
            for j in 0..<n { dst[j] = cp[j * sc] != 0 ? xp[j * sx] : yp[j * sy] }
        }
    }
}

let whereFactory: KernelFactory = { sig in
    let (plan, _) = try broadcastPlan(sig, inputs: 3)
    let t = try sig.inputType(1).dtype
    let kernel: any Kernel
    switch t.bitWidth {
    case 8: kernel = WhereKernel<UInt8>(plan: plan)
    case 16: kernel = WhereKernel<UInt16>(plan: plan)
    case 32: kernel = WhereKernel<UInt32>(plan: plan)
    case 64: kernel = WhereKernel<UInt64>(plan: plan)
    default: throw sig.unsupported(t)
    }
    return PreparedKernel(kernel: kernel, ops: [t: Int64(plan.count)], computeType: t)
}
