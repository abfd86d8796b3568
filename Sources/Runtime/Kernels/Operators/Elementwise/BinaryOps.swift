import Model

/// Arithmetic and comparison functions over one element type.
enum Arith<T: NumericElement> {
    enum Add: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> T { T.add(a, b) } }
    enum Sub: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> T { T.sub(a, b) } }
    enum Mul: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> T { T.mul(a, b) } }
    enum Div: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> T { T.div(a, b) } }
    enum Pow: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> T { T.pow(a, b) } }
    enum Max: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> T { a < b ? b : a } }
    enum Min: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> T { b < a ? b : a } }
    enum Mean2: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> T { T.div(T.add(a, b), T.fromCount(2)) } }
    enum ModPython: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> T { T.mod(a, b, fmod: false) } }
    enum ModC: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> T { T.mod(a, b, fmod: true) } }
    enum PRelu: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> T { a < T.zero ? T.mul(a, b) : a } }
    enum Equal: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> UInt8 { a == b ? 1 : 0 } }
    enum Less: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> UInt8 { a < b ? 1 : 0 } }
    enum Greater: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> UInt8 { a > b ? 1 : 0 } }
    enum LessOrEqual: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> UInt8 { a <= b ? 1 : 0 } }
    enum GreaterOrEqual: BinaryFunction { @inline(__always) static func apply(_ a: T, _ b: T) -> UInt8 { a >= b ? 1 : 0 } }
}

/// Float functions with SIMD8 forms: the hot ones in CNNs (residual adds, scales, PRelu).
enum FloatVector {
    enum Add: VectorBinaryFunction {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b }
        @inline(__always) static func apply8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a + b }
    }
    enum Sub: VectorBinaryFunction {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b }
        @inline(__always) static func apply8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a - b }
    }
    enum Mul: VectorBinaryFunction {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b }
        @inline(__always) static func apply8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a * b }
    }
    enum Div: VectorBinaryFunction {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b }
        @inline(__always) static func apply8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a / b }
    }
    // Max/Min propagate NaN from either side like numpy's maximum (pointwise min/max would drop it).
    enum Max: VectorBinaryFunction {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a.isNaN || b.isNaN ? .nan : (a < b ? b : a) }
        @inline(__always) static func apply8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
            let m = a.replacing(with: b, where: a .< b)
            return m.replacing(with: a + b, where: (a .!= a) .| (b .!= b))
        }
    }
    enum Min: VectorBinaryFunction {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a.isNaN || b.isNaN ? .nan : (b < a ? b : a) }
        @inline(__always) static func apply8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
            let m = a.replacing(with: b, where: b .< a)
            return m.replacing(with: a + b, where: (a .!= a) .| (b .!= b))
        }
    }
    enum PRelu: VectorBinaryFunction {
        @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a < 0 ? a * b : a }
        @inline(__always) static func apply8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
            a.replacing(with: a * b, where: a .< 0)
        }
    }
}

/// Boolean functions on ONNX bool (one byte, 0 or 1).
enum Logic {
    enum And: BinaryFunction { @inline(__always) static func apply(_ a: UInt8, _ b: UInt8) -> UInt8 { (a != 0 && b != 0) ? 1 : 0 } }
    enum Or: BinaryFunction { @inline(__always) static func apply(_ a: UInt8, _ b: UInt8) -> UInt8 { (a != 0 || b != 0) ? 1 : 0 } }
    enum Xor: BinaryFunction { @inline(__always) static func apply(_ a: UInt8, _ b: UInt8) -> UInt8 { (a != 0) != (b != 0) ? 1 : 0 } }
    enum Equal: BinaryFunction { @inline(__always) static func apply(_ a: UInt8, _ b: UInt8) -> UInt8 { (a != 0) == (b != 0) ? 1 : 0 } }
}

/// Registers the broadcasting binary operators for element type `T`.
func registerBinary<T: NumericElement>(_ r: inout KernelRegistry, _: T.Type) {
    let d = T.dtype
    r.register("Add", dtypes: [d], binaryFactory(Arith<T>.Add.self, computeType: d))
    r.register("Sub", dtypes: [d], binaryFactory(Arith<T>.Sub.self, computeType: d))
    r.register("Mul", dtypes: [d], binaryFactory(Arith<T>.Mul.self, computeType: d))
    r.register("Div", dtypes: [d], binaryFactory(Arith<T>.Div.self, computeType: d))
    r.register("Pow", dtypes: [d], binaryFactory(Arith<T>.Pow.self, computeType: d))
    r.register("PRelu", dtypes: [d], preluFactory(Arith<T>.PRelu.self, computeType: d))
    r.register("Mod", dtypes: [d]) { sig in
        try sig.int("fmod", 0) == 1 || T.dtype.isFloatingPoint
            ? binaryFactory(Arith<T>.ModC.self, computeType: d)(sig)
            : binaryFactory(Arith<T>.ModPython.self, computeType: d)(sig)
    }
    r.register("Equal", dtypes: [d], binaryFactory(Arith<T>.Equal.self, computeType: d))
    r.register("Less", dtypes: [d], binaryFactory(Arith<T>.Less.self, computeType: d))
    r.register("Greater", dtypes: [d], binaryFactory(Arith<T>.Greater.self, computeType: d))
    r.register("LessOrEqual", dtypes: [d], binaryFactory(Arith<T>.LessOrEqual.self, computeType: d))
    r.register("GreaterOrEqual", dtypes: [d], binaryFactory(Arith<T>.GreaterOrEqual.self, computeType: d))
    if T.self != Float.self { registerVariadic(&r, T.self) }
}

/// Registers every binary and variadic elementwise operator.
func registerBinaryOperators(_ r: inout KernelRegistry) {
    registerBinary(&r, Double.self)
    registerBinary(&r, Int64.self)
    registerBinary(&r, Int32.self)
    registerBinary(&r, Int8.self)
    registerBinary(&r, Float.self)
    // Float overrides with SIMD8 inner loops.
    r.register("Add", dtypes: [.float32], vectorBinaryFactory(FloatVector.Add.self))
    r.register("Sub", dtypes: [.float32], vectorBinaryFactory(FloatVector.Sub.self))
    r.register("Mul", dtypes: [.float32], vectorBinaryFactory(FloatVector.Mul.self))
    r.register("Div", dtypes: [.float32], vectorBinaryFactory(FloatVector.Div.self))
    r.register("PRelu", dtypes: [.float32], preluVectorFactory())
    registerVariadic(&r, Float.self, pairs: [
        "Sum": vectorBinaryFactory(FloatVector.Add.self),
        "Max": vectorBinaryFactory(FloatVector.Max.self),
        "Min": vectorBinaryFactory(FloatVector.Min.self),
    ])
    r.register("And", dtypes: [.bool], binaryFactory(Logic.And.self, computeType: .bool))
    r.register("Or", dtypes: [.bool], binaryFactory(Logic.Or.self, computeType: .bool))
    r.register("Xor", dtypes: [.bool], binaryFactory(Logic.Xor.self, computeType: .bool))
    r.register("Equal", dtypes: [.bool], binaryFactory(Logic.Equal.self, computeType: .bool))
    r.register("Where", dtypes: [.bool], whereFactory)
}

/// PRelu's slope broadcasts unidirectionally; opset 6 exports (and Caffe-style models)
/// give a 1-D slope of length C for an [N, C, ...] input, meaning per channel.
func preluShapes(_ sig: KernelSignature) throws(KernelError) -> [[Int]] {
    let x = try sig.inputType(0).shape, s = try sig.inputType(1).shape
    if broadcastShape([x, s]) == x { return [x, s] }
    if s.count == 1, x.count >= 2, s[0] == x[1] {
        return [x, [s[0]] + Array(repeating: 1, count: x.count - 2)]
    }
    throw sig.shape("slope shape \(s) does not broadcast to input shape \(x)")
}

func preluFactory<F: BinaryFunction>(_: F.Type, computeType: DType) -> KernelFactory {
    return { sig in
        let (plan, _) = try broadcastPlan(sig, inputs: 2, shapes: preluShapes(sig))
        return PreparedKernel(kernel: BinaryKernel<F>(plan: plan), ops: [computeType: Int64(plan.count * 2)], computeType: computeType)
    }
}

func preluVectorFactory() -> KernelFactory {
    return { sig in
        let (plan, _) = try broadcastPlan(sig, inputs: 2, shapes: preluShapes(sig))
        return PreparedKernel(kernel: VectorBinaryKernel<FloatVector.PRelu>(plan: plan), ops: [.float32: Int64(plan.count * 2)],
                              computeType: .float32)
    }
}
