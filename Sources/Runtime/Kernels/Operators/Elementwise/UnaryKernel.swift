import Model

/// A float function of one element with an 8-lane form: the activations that run on
/// every CNN feature map (Relu, LeakyRelu, Sigmoid, Clip, HardSigmoid, HardSwish).
protocol VectorUnaryFunction: Sendable {
    func apply(_ x: Float) -> Float
    func apply8(_ x: SIMD8<Float>) -> SIMD8<Float>
}

/// Elementwise float kernel over contiguous input and output, SIMD8 with a scalar tail,
/// split over the pool for large tensors.
struct VectorUnaryKernel<F: VectorUnaryFunction>: Kernel {
    let f: F
    let count: Int

    @_specialize(where F == Activation.Relu)
    @_specialize(where F == Activation.Sigmoid)
    @_specialize(where F == Activation.Clip)
    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: Float.self), y = context.output(0, as: Float.self)
        let f = self.f
        // Chunks are multiples of 8 so that only the last chunk has a tail.
        parallelChunks(context.pool, count: (count + 7) / 8, grain: 1 << 12) { range in
            let lo = range.lowerBound * 8, hi = min(count, range.upperBound * 8)
            var j = lo
            while j + 8 <= hi { store8(f.apply8(load8(x + j)), y + j); j += 8 }
            while j < hi { y[j] = f.apply(x[j]); j += 1 }
        }
    }
}

/// Elementwise kernel through a closure: the less frequent unary operators for any
/// element types. One indirect call per element; correctness over speed.
struct MapKernel<In: BitwiseCopyable, Out: BitwiseCopyable>: Kernel {
    let f: @Sendable (In) -> Out
    let count: Int

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: In.self), y = context.output(0, as: Out.self)
        let f = self.f
        parallelChunks(context.pool, count: count, grain: 1 << 13) { range in
            for j in range { y[j] = f(x[j]) }
        }
    }
}

/// Factory for a SIMD8 float activation whose parameters come from the signature.
func vectorUnaryFactory<F: VectorUnaryFunction>(opsPerElement: Int, _ make: @escaping @Sendable (KernelSignature) throws(KernelError) -> F) -> KernelFactory {
    return { sig in
        let n = try sig.inputType(0).elementCount
        try sig.expectOutput(0, count: n)
        return PreparedKernel(kernel: VectorUnaryKernel(f: try make(sig), count: n), ops: [.float32: Int64(n * opsPerElement)],
                              computeType: .float32)
    }
}

/// Factory for a closure-mapped elementwise operator.
func mapFactory<In: BitwiseCopyable, Out: BitwiseCopyable>(_: In.Type, _: Out.Type, computeType: DType, opsPerElement: Int,
                                                           _ make: @escaping @Sendable (KernelSignature) throws(KernelError) -> @Sendable (In) -> Out) -> KernelFactory {
    return { sig in
        let n = try sig.inputType(0).elementCount
        try sig.expectOutput(0, count: n)
        return PreparedKernel(kernel: MapKernel(f: try make(sig), count: n), ops: [computeType: Int64(n * opsPerElement)],
                              computeType: computeType)
    }
}

/// e^x for eight lanes: Cephes' expf (range reduction by ln 2 in two parts, degree-5
/// polynomial, 2^n by exponent bits); within 2 ulp of libm for |x| < 87, saturating
/// beyond (e^-87 is 1.6e-38, which a sigmoid cannot tell from 0).
@inline(__always)
func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let xc = x.clamped(lowerBound: SIMD8(repeating: -87.0), upperBound: SIMD8(repeating: 88.0))
    let n = (xc * 1.44269504088896341).rounded(.toNearestOrEven)
    let r = xc - n * 0.693359375 + n * 2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * (r * r) + r + 1
    let bits = (SIMD8<Int32>(n, rounding: .toNearestOrEven) &+ 127) &<< 23
    return p * unsafeBitCast(bits, to: SIMD8<Float>.self)
}

enum Activation {
    struct Relu: VectorUnaryFunction {
        @inline(__always) func apply(_ x: Float) -> Float { x < 0 ? 0 : x }
        @inline(__always) func apply8(_ x: SIMD8<Float>) -> SIMD8<Float> { x.replacing(with: 0, where: x .< 0) }
    }
    struct LeakyRelu: VectorUnaryFunction {
        let alpha: Float
        @inline(__always) func apply(_ x: Float) -> Float { x < 0 ? x * alpha : x }
        @inline(__always) func apply8(_ x: SIMD8<Float>) -> SIMD8<Float> { x.replacing(with: x * alpha, where: x .< 0) }
    }
    struct Sigmoid: VectorUnaryFunction {
        @inline(__always) func apply(_ x: Float) -> Float { apply8(SIMD8(repeating: x))[0] }
        @inline(__always) func apply8(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + exp8(-x)) }
    }
    /// Clip keeps NaN (ONNX Clip propagates it).
    struct Clip: VectorUnaryFunction {
        let lo: Float, hi: Float
        @inline(__always) func apply(_ x: Float) -> Float { x < lo ? lo : (x > hi ? hi : x) }
        @inline(__always) func apply8(_ x: SIMD8<Float>) -> SIMD8<Float> {
            x.replacing(with: SIMD8(repeating: lo), where: x .< lo).replacing(with: SIMD8(repeating: hi), where: x .> hi)
        }
    }
    struct HardSigmoid: VectorUnaryFunction {
        let alpha: Float, beta: Float
        @inline(__always) func apply(_ x: Float) -> Float { Swift.max(0, Swift.min(1, alpha * x + beta)) }
        @inline(__always) func apply8(_ x: SIMD8<Float>) -> SIMD8<Float> {
            (alpha * x + beta).clamped(lowerBound: SIMD8(repeating: 0), upperBound: SIMD8(repeating: 1))
        }
    }
    struct HardSwish: VectorUnaryFunction {
        @inline(__always) func apply(_ x: Float) -> Float { x * Swift.max(0, Swift.min(1, x / 6 + 0.5)) }
        @inline(__always) func apply8(_ x: SIMD8<Float>) -> SIMD8<Float> {
            x * (x / 6 + 0.5).clamped(lowerBound: SIMD8(repeating: 0), upperBound: SIMD8(repeating: 1))
        }
    }
}
