import Foundation
import Model

// Counting: one op per output element per arithmetic step; a libm call (exp, tanh,
// erf, log, sqrt, sin...) counts as one op, as a compare-and-select does.

/// Float unary operators computed through libm, with their per-element op counts.
private let floatMaps: [(String, Int, @Sendable (KernelSignature) throws(KernelError) -> @Sendable (Float) -> Float)] = [
    ("Exp", 1, { _ in { Foundation.exp($0) } }),
    ("Log", 1, { _ in { Foundation.log($0) } }),
    ("Sqrt", 1, { _ in { $0.squareRoot() } }),
    ("Neg", 1, { _ in { -$0 } }),
    ("Abs", 1, { _ in { Swift.abs($0) } }),
    ("Reciprocal", 1, { _ in { 1 / $0 } }),
    ("Floor", 1, { _ in { $0.rounded(.down) } }),
    ("Ceil", 1, { _ in { $0.rounded(.up) } }),
    // ONNX Round is half to even, as numpy's.
    ("Round", 1, { _ in { $0.rounded(.toNearestOrEven) } }),
    ("Sign", 1, { _ in { $0 > 0 ? 1 : ($0 < 0 ? -1 : $0) } }),
    ("Tanh", 1, { _ in { Foundation.tanh($0) } }),
    ("Erf", 1, { _ in { Foundation.erf($0) } }),
    ("Sin", 1, { _ in { Foundation.sin($0) } }),
    ("Cos", 1, { _ in { Foundation.cos($0) } }),
    ("Tan", 1, { _ in { Foundation.tan($0) } }),
    ("Asin", 1, { _ in { Foundation.asin($0) } }),
    ("Acos", 1, { _ in { Foundation.acos($0) } }),
    ("Atan", 1, { _ in { Foundation.atan($0) } }),
    ("Sinh", 1, { _ in { Foundation.sinh($0) } }),
    ("Cosh", 1, { _ in { Foundation.cosh($0) } }),
    ("Asinh", 1, { _ in { Foundation.asinh($0) } }),
    ("Acosh", 1, { _ in { Foundation.acosh($0) } }),
    ("Atanh", 1, { _ in { Foundation.atanh($0) } }),
    // log(1 + e^x) without overflow for large x.
    ("Softplus", 3, { _ in { $0 > 20 ? $0 : Foundation.log1p(Foundation.exp($0)) } }),
    ("Softsign", 3, { _ in { $0 / (1 + Swift.abs($0)) } }),
    ("Mish", 5, { _ in { x in x * Foundation.tanh(x > 20 ? x : Foundation.log1p(Foundation.exp(x))) } }),
    ("Elu", 3, { sig throws(KernelError) in
        let alpha = try sig.float("alpha", 1)
        return { $0 < 0 ? alpha * Foundation.expm1($0) : $0 } }),
    ("Celu", 4, { sig throws(KernelError) in
        let alpha = try sig.float("alpha", 1)
        return { $0 < 0 ? alpha * Foundation.expm1($0 / alpha) : $0 } }),
    ("Selu", 3, { sig throws(KernelError) in
        let alpha = try sig.float("alpha", 1.67326319217681884765625), gamma = try sig.float("gamma", 1.05070102214813232421875)
        return { $0 <= 0 ? gamma * alpha * Foundation.expm1($0) : gamma * $0 } }),
    ("ThresholdedRelu", 1, { sig throws(KernelError) in
        let alpha = try sig.float("alpha", 1)
        return { $0 > alpha ? $0 : 0 } }),
    ("Shrink", 2, { sig throws(KernelError) in
        let lambd = try sig.float("lambd", 0.5), bias = try sig.float("bias", 0)
        return { $0 < -lambd ? $0 + bias : ($0 > lambd ? $0 - bias : 0) } }),
    ("Gelu", 4, { sig throws(KernelError) in
        if try sig.string("approximate", "none") == "tanh" {
            return { x in 0.5 * x * (1 + Foundation.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))) }
        }
        return { x in 0.5 * x * (1 + Foundation.erf(x * 0.7071067811865476)) } }),
]

/// Registers the unary elementwise operators.
func registerUnaryOperators(_ r: inout KernelRegistry) {
    for (op, cost, make) in floatMaps {
        r.register(op, dtypes: [.float32], mapFactory(Float.self, Float.self, computeType: .float32, opsPerElement: cost, make))
    }
    r.register("Relu", dtypes: [.float32], vectorUnaryFactory(opsPerElement: 1) { _ in Activation.Relu() })
    r.register("LeakyRelu", dtypes: [.float32], vectorUnaryFactory(opsPerElement: 2) { sig throws(KernelError) in
        Activation.LeakyRelu(alpha: try sig.float("alpha", 0.01)) })
    r.register("Sigmoid", dtypes: [.float32], vectorUnaryFactory(opsPerElement: 3) { _ in Activation.Sigmoid() })
    r.register("HardSigmoid", dtypes: [.float32], vectorUnaryFactory(opsPerElement: 3) { sig throws(KernelError) in
        Activation.HardSigmoid(alpha: try sig.float("alpha", 0.2), beta: try sig.float("beta", 0.5)) })
    r.register("HardSwish", dtypes: [.float32], vectorUnaryFactory(opsPerElement: 4) { _ in Activation.HardSwish() })
    r.register("Clip", dtypes: [.float32], clipFactory)
    registerIntegerUnary(&r, Int64.self)
    registerIntegerUnary(&r, Int32.self)
    registerIntegerUnary(&r, Int8.self)
    r.register("Neg", dtypes: [.float64], mapFactory(Double.self, Double.self, computeType: .float64, opsPerElement: 1) { _ in { -$0 } })
    r.register("Abs", dtypes: [.float64], mapFactory(Double.self, Double.self, computeType: .float64, opsPerElement: 1) { _ in { Swift.abs($0) } })
    r.register("Sqrt", dtypes: [.float64], mapFactory(Double.self, Double.self, computeType: .float64, opsPerElement: 1) { _ in { $0.squareRoot() } })
    r.register("Exp", dtypes: [.float64], mapFactory(Double.self, Double.self, computeType: .float64, opsPerElement: 1) { _ in { Foundation.exp($0) } })
    r.register("Not", dtypes: [.bool], mapFactory(UInt8.self, UInt8.self, computeType: .bool, opsPerElement: 1) { _ in { $0 == 0 ? 1 : 0 } })
    r.register("IsNaN", dtypes: [.float32], mapFactory(Float.self, UInt8.self, computeType: .float32, opsPerElement: 1) { _ in { $0.isNaN ? 1 : 0 } })
    r.register("IsInf", dtypes: [.float32], mapFactory(Float.self, UInt8.self, computeType: .float32, opsPerElement: 1) { sig throws(KernelError) in
        let pos = try sig.int("detect_positive", 1) == 1, neg = try sig.int("detect_negative", 1) == 1
        return { $0.isInfinite && ($0 > 0 ? pos : neg) ? 1 : 0 } })
}

private func registerIntegerUnary<T: IntegerElement>(_ r: inout KernelRegistry, _: T.Type) {
    let d = T.dtype
    r.register("Neg", dtypes: [d], mapFactory(T.self, T.self, computeType: d, opsPerElement: 1) { _ in { 0 &- $0 } })
    r.register("Abs", dtypes: [d], mapFactory(T.self, T.self, computeType: d, opsPerElement: 1) { _ in { $0 < 0 ? 0 &- $0 : $0 } })
    r.register("Sign", dtypes: [d], mapFactory(T.self, T.self, computeType: d, opsPerElement: 1) { _ in { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } })
    r.register("Relu", dtypes: [d], mapFactory(T.self, T.self, computeType: d, opsPerElement: 1) { _ in { $0 < 0 ? 0 : $0 } })
    r.register("Clip", dtypes: [d], mapFactory(T.self, T.self, computeType: d, opsPerElement: 2) { sig throws(KernelError) in
        let lo = try sig.constantInts(1, "min")?.first.map { T(truncatingIfNeeded: $0) } ?? T.min
        let hi = try sig.constantInts(2, "max")?.first.map { T(truncatingIfNeeded: $0) } ?? T.max
        return { $0 < lo ? lo : ($0 > hi ? hi : $0) } })
}

/// Clip: bounds are attributes before opset 11 and optional inputs after; inputs that
/// are not constants are read at run time (a scalar load, no allocation).
let clipFactory: KernelFactory = { sig in
    let n = try sig.inputType(0).elementCount
    try sig.expectOutput(0, count: n)
    let ops: [DType: Int64] = [.float32: Int64(n * 2)]
    if sig.opset < 11 {
        let f = Activation.Clip(lo: try sig.float("min", -.greatestFiniteMagnitude), hi: try sig.float("max", .greatestFiniteMagnitude))
        return PreparedKernel(kernel: VectorUnaryKernel(f: f, count: n), ops: ops, computeType: .float32)
    }
    let lo = sig.constantFloats(1), hi = sig.constantFloats(2)
    let dynamic = (sig.hasInput(1) && lo == nil) || (sig.hasInput(2) && hi == nil)
    if !dynamic {
        let f = Activation.Clip(lo: lo?.first ?? -.greatestFiniteMagnitude, hi: hi?.first ?? .greatestFiniteMagnitude)
        return PreparedKernel(kernel: VectorUnaryKernel(f: f, count: n), ops: ops, computeType: .float32)
    }
    return PreparedKernel(kernel: DynamicClipKernel(count: n), ops: ops, computeType: .float32)
}

/// Clip whose bounds arrive as run-time tensors.
struct DynamicClipKernel: Kernel {
    let count: Int

    func run(_ context: borrowing KernelContext) {
        let lo = context.inputs.count > 1 ? context.inputs[1]?.load(as: Float.self) ?? -.greatestFiniteMagnitude : -.greatestFiniteMagnitude
        let hi = context.inputs.count > 2 ? context.inputs[2]?.load(as: Float.self) ?? .greatestFiniteMagnitude : .greatestFiniteMagnitude
        VectorUnaryKernel(f: Activation.Clip(lo: lo, hi: hi), count: count).run(context)
    }
}
