import Model

/// An element type Cast converts from and to, through Double. Float-to-integer casts
/// truncate toward zero and saturate (Swift would trap on NaN or overflow).
protocol CastElement: BitwiseCopyable, Sendable {
    var castValue: Double { get }
    init(castFrom d: Double)
}

extension Float: CastElement { var castValue: Double { Double(self) }; init(castFrom d: Double) { self = Float(d) } }
extension Double: CastElement { var castValue: Double { self }; init(castFrom d: Double) { self = d } }
extension Int64: CastElement { var castValue: Double { Double(self) }; init(castFrom d: Double) { self.init(clamping: d) } }
extension Int32: CastElement { var castValue: Double { Double(self) }; init(castFrom d: Double) { self.init(clamping: d) } }
extension Int8: CastElement { var castValue: Double { Double(self) }; init(castFrom d: Double) { self.init(clamping: d) } }
extension UInt8: CastElement {
    var castValue: Double { Double(self) }
    init(castFrom d: Double) { self = d.isNaN ? 0 : UInt8(Swift.max(0, Swift.min(255, d.rounded(.towardZero)))) }
}

extension Float16: CastElement { var castValue: Double { Double(self) }; init(castFrom d: Double) { self = Float16(d) } }
extension Int16: CastElement { var castValue: Double { Double(self) }; init(castFrom d: Double) { self = saturatingInteger(d) } }
extension UInt16: CastElement { var castValue: Double { Double(self) }; init(castFrom d: Double) { self = saturatingInteger(d) } }
extension UInt32: CastElement { var castValue: Double { Double(self) }; init(castFrom d: Double) { self = saturatingInteger(d) } }
extension UInt64: CastElement { var castValue: Double { Double(self) }; init(castFrom d: Double) { self = saturatingInteger(d) } }

/// `d` truncated toward zero and saturated to `T`'s range; NaN gives 0.
private func saturatingInteger<T: FixedWidthInteger>(_ d: Double) -> T {
    if d.isNaN { return 0 }
    if d >= Double(T.max) { return T.max }
    if d <= Double(T.min) { return T.min }
    return T(d.rounded(.towardZero))
}

/// ONNX bool: one byte, 0 or 1; any non-zero value casts to true.
struct BoolByte: CastElement {
    var raw: UInt8
    var castValue: Double { raw != 0 ? 1 : 0 }
    init(castFrom d: Double) { raw = d != 0 ? 1 : 0 }
}

struct CastKernel<I: CastElement, O: CastElement>: Kernel {
    let count: Int

    // The casts in the compute path of quantized graphs (ConvInteger/MatMulInteger's int32
    // accumulators to float, float to int64 shapes); unspecialized, each element went
    // through two witness-table calls (a third of dynamic-u8 SqueezeNet's time).
    @_specialize(where I == Int32, O == Float)
    @_specialize(where I == Float, O == Int32)
    @_specialize(where I == UInt8, O == Float)
    @_specialize(where I == Int8, O == Float)
    @_specialize(where I == Int64, O == Float)
    @_specialize(where I == Float, O == Int64)
    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: I.self), y = context.output(0, as: O.self)
        parallelChunks(context.pool, count: count, grain: 1 << 14) { range in
            for j in range { y[j] = O(castFrom: x[j].castValue) }
        }
    }
}

/// Int64 to int32 and back keep every bit that fits (Double would round int64 > 2^53).
struct IntegerCastKernel<I: FixedWidthInteger & BitwiseCopyable, O: FixedWidthInteger & BitwiseCopyable>: Kernel {
    let count: Int

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: I.self), y = context.output(0, as: O.self)
        for j in 0..<count { y[j] = O(truncatingIfNeeded: x[j]) }
    }
}

private func castElementType(_ d: DType) -> (any CastElement.Type)? {
    switch d {
    case .float32: Float.self
    case .float64: Double.self
    case .int64: Int64.self
    case .int32: Int32.self
    case .int8: Int8.self
    case .uint8: UInt8.self
    case .bool: BoolByte.self
    case .float16: Float16.self
    case .int16: Int16.self
    case .uint16: UInt16.self
    case .uint32: UInt32.self
    case .uint64: UInt64.self
    default: nil
    }
}

private func makeCast<I: CastElement>(_: I.Type, to o: any CastElement.Type, count: Int) -> any Kernel {
    func inner<O: CastElement>(_: O.Type) -> any Kernel { CastKernel<I, O>(count: count) }
    return inner(o)
}

let castFactory: KernelFactory = { sig in
    let input = try sig.inputType(0)
    guard let code = try sig.int("to") else { throw sig.invalid("to", "is required") }
    guard let to = DType(onnxCode: Int32(code)) else { throw sig.invalid("to", "names ONNX type \(code), which Picojoule does not hold") }
    try sig.expectOutput(0, count: input.elementCount)
    let n = input.elementCount
    if to == input.dtype {
        return try copyFactory(sig)
    }
    let kernel: any Kernel
    switch (input.dtype, to) {
    case (.int64, .int32): kernel = IntegerCastKernel<Int64, Int32>(count: n)
    case (.int32, .int64): kernel = IntegerCastKernel<Int32, Int64>(count: n)
    case (.float32, .float16): kernel = Float16CastKernel(count: n, toHalf: true)
    case (.float16, .float32): kernel = Float16CastKernel(count: n, toHalf: false)
    default:
        guard let i = castElementType(input.dtype) else { throw sig.unsupported(input.dtype) }
        guard let o = castElementType(to) else { throw sig.unsupported(to) }
        kernel = makeCast(i, to: o, count: n)
    }
    return PreparedKernel(kernel: kernel, ops: [input.dtype: Int64(n)], computeType: input.dtype)
}

/// Registers Cast for the dtypes it converts between.
func registerCastOperator(_ r: inout KernelRegistry) {
    r.register("Cast", dtypes: [.float32, .float64, .float16, .int64, .int32, .int16, .int8, .uint64, .uint32, .uint16, .uint8, .bool],
               castFactory)
}
