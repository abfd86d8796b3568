import Model

// Element access, rounding and fixed-point requantization shared by the
// quantize/dequantize kernels and the com.microsoft QLinear* kernels. Everything
// used from `run` is inlinable, allocation-free and never traps.

/// A quantized element type as stored in a tensor, read and written as Int32.
/// int4/uint4 pack two elements per byte, element 0 in the low nibble (ONNX's layout).
protocol QuantizedElement {
    static var dtype: DType { get }
    static var minValue: Int32 { get }
    static var maxValue: Int32 { get }
    static func load(_ p: UnsafeRawPointer, _ i: Int) -> Int32
    static func store(_ p: UnsafeMutableRawPointer, _ i: Int, _ v: Int32)
}

extension QuantizedElement {
    /// Saturates `v` to the type's range.
    @inline(__always) static func clamp(_ v: Int32) -> Int32 { Swift.min(maxValue, Swift.max(minValue, v)) }
    /// Whether stores of neighbouring elements touch the same byte (int4), so `run` stays serial.
    static var isPacked: Bool { dtype.bitWidth < 8 }
}

/// A fixed-width byte-addressable integer element (int8, uint8, int16, uint16, int32).
protocol WholeQuantizedElement: QuantizedElement {
    associatedtype Storage: FixedWidthInteger & BitwiseCopyable
}

extension WholeQuantizedElement {
    static var minValue: Int32 { Int32(clamping: Storage.min) }
    static var maxValue: Int32 { Int32(clamping: Storage.max) }
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Int32 {
        Int32(truncatingIfNeeded: p.load(fromByteOffset: i * MemoryLayout<Storage>.stride, as: Storage.self))
    }
    @inline(__always) static func store(_ p: UnsafeMutableRawPointer, _ i: Int, _ v: Int32) {
        p.storeBytes(of: Storage(truncatingIfNeeded: v), toByteOffset: i * MemoryLayout<Storage>.stride, as: Storage.self)
    }
}

enum QInt8: WholeQuantizedElement { typealias Storage = Int8; static var dtype: DType { .int8 } }
enum QUInt8: WholeQuantizedElement { typealias Storage = UInt8; static var dtype: DType { .uint8 } }
enum QInt16: WholeQuantizedElement { typealias Storage = Int16; static var dtype: DType { .int16 } }
enum QUInt16: WholeQuantizedElement { typealias Storage = UInt16; static var dtype: DType { .uint16 } }
enum QInt32: WholeQuantizedElement { typealias Storage = Int32; static var dtype: DType { .int32 } }

/// Signed 4-bit, two per byte, low nibble first.
enum QInt4: QuantizedElement {
    static var dtype: DType { .int4 }
    static var minValue: Int32 { -8 }
    static var maxValue: Int32 { 7 }
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Int32 {
        let byte = p.load(fromByteOffset: i >> 1, as: UInt8.self)
        let nibble = Int32((i & 1 == 0) ? byte & 0xF : byte >> 4)
        return nibble >= 8 ? nibble - 16 : nibble
    }
    @inline(__always) static func store(_ p: UnsafeMutableRawPointer, _ i: Int, _ v: Int32) {
        storeNibble(p, i, UInt8(truncatingIfNeeded: v) & 0xF)
    }
}

/// Unsigned 4-bit, two per byte, low nibble first.
enum QUInt4: QuantizedElement {
    static var dtype: DType { .uint4 }
    static var minValue: Int32 { 0 }
    static var maxValue: Int32 { 15 }
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Int32 {
        let byte = p.load(fromByteOffset: i >> 1, as: UInt8.self)
        return Int32((i & 1 == 0) ? byte & 0xF : byte >> 4)
    }
    @inline(__always) static func store(_ p: UnsafeMutableRawPointer, _ i: Int, _ v: Int32) {
        storeNibble(p, i, UInt8(truncatingIfNeeded: v) & 0xF)
    }
}

@inline(__always) private func storeNibble(_ p: UnsafeMutableRawPointer, _ i: Int, _ nibble: UInt8) {
    let old = p.load(fromByteOffset: i >> 1, as: UInt8.self)
    let new = (i & 1 == 0) ? (old & 0xF0) | nibble : (old & 0x0F) | (nibble << 4)
    p.storeBytes(of: new, toByteOffset: i >> 1, as: UInt8.self)
}

/// The element type for a quantized dtype, or nil.
func quantizedElement(_ d: DType) -> (any QuantizedElement.Type)? {
    switch d {
    case .int8: QInt8.self
    case .uint8: QUInt8.self
    case .int16: QInt16.self
    case .uint16: QUInt16.self
    case .int32: QInt32.self
    case .int4: QInt4.self
    case .uint4: QUInt4.self
    default: nil
    }
}

/// A float element as stored (float32 or float16), converted through Float.
protocol FloatStorageElement {
    static var dtype: DType { get }
    static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float
    static func store(_ p: UnsafeMutableRawPointer, _ i: Int, _ v: Float)
}

enum F32: FloatStorageElement {
    static var dtype: DType { .float32 }
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float { p.load(fromByteOffset: i * 4, as: Float.self) }
    @inline(__always) static func store(_ p: UnsafeMutableRawPointer, _ i: Int, _ v: Float) { p.storeBytes(of: v, toByteOffset: i * 4, as: Float.self) }
}

enum F16: FloatStorageElement {
    static var dtype: DType { .float16 }
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float {
        Float(p.load(fromByteOffset: i * 2, as: Float16.self))
    }
    @inline(__always) static func store(_ p: UnsafeMutableRawPointer, _ i: Int, _ v: Float) {
        p.storeBytes(of: Float16(v), toByteOffset: i * 2, as: Float16.self)
    }
}

func floatStorageElement(_ d: DType) -> (any FloatStorageElement.Type)? {
    switch d {
    case .float32: F32.self
    case .float16: F16.self
    default: nil
    }
}

/// `round(v)` half to even, plus `zeroPoint`, saturated to [lo, hi]; NaN gives the zero point.
@inline(__always) func saturatingRound(_ v: Float, zeroPoint: Int32, lo: Int32, hi: Int32) -> Int32 {
    guard !v.isNaN else { return Swift.min(hi, Swift.max(lo, zeroPoint)) }
    let r = v.rounded(.toNearestOrEven) + Float(zeroPoint)
    if r <= Float(lo) { return lo }
    if r >= Float(hi) { return hi }
    return Int32(r)
}

/// `x >> shift` rounded half to even (shift 0...62), as ONNX rounds requantized values.
@inline(__always) func roundingShift(_ x: Int64, _ shift: Int) -> Int64 {
    guard shift > 0 else { return x }
    let q = x >> Int64(shift)
    let r = x &- (q << Int64(shift))
    let half = Int64(1) << Int64(shift - 1)
    return (r > half || (r == half && q & 1 == 1)) ? q &+ 1 : q
}

/// A non-negative real multiplier M as a Q31 mantissa and a right shift, so that
/// `x · M ≈ roundingShift(x · mantissa, shift)` in integers (gemmlowp's
/// QuantizeMultiplier, with a wider shift range). Exact for M = m·2^e with m of
/// at most 31 bits; otherwise the relative error is below 2^-31.
struct FixedMultiplier: Sendable, Equatable {
    let mantissa: Int64
    let shift: Int

    init(_ m: Double) {
        guard m.isFinite, m > 0 else { mantissa = 0; shift = 0; return }
        let e = m.exponent + 1            // m = f · 2^e, f in [0.5, 1)
        var mant = (m * Double.pow2(31 - e)).rounded(.toNearestOrEven)
        var s = 31 - e
        if mant >= Double(1 << 31) { mant /= 2; s -= 1 }
        if s > 62 {
            // Below 2^-31: every |x| < 2^31 maps to 0 or ±1 after rounding; keep precision by shifting less.
            mant = (mant / Double.pow2(s - 62)).rounded(.toNearestOrEven); s = 62
        }
        if s < 0 {
            // Above 2^31: any non-zero input saturates every 8/16-bit output; cap instead of overflowing.
            mantissa = 1 << 32; shift = 0; return
        }
        mantissa = Int64(mant); shift = s
    }

    /// `x · M` rounded half to even; |x| must stay below 2^31.
    @inline(__always) func apply(_ x: Int64) -> Int64 { roundingShift(x &* mantissa, shift) }
}

extension Double {
    static func pow2(_ e: Int) -> Double { Double(sign: .plus, exponent: e, significand: 1) }
}

/// How a scale / zero-point tensor lines up with the data viewed as [outer, axis, inner]:
/// parameter index = (o · outerStride) + (d / block) · axisStride + j · innerStride.
/// Per-tensor: all strides 0. Per-axis: axisStride 1. Blocked (opset 21): the
/// parameter tensor has the data's shape with `ceil(axis / block)` on the axis.
struct QuantizationLayout: Sendable {
    let outer: Int, axisLength: Int, inner: Int
    let block: Int
    let outerStride: Int, axisStride: Int, innerStride: Int

    var count: Int { outer * axisLength * inner }

    /// Reads `axis` and `block_size` from the signature and checks the parameter shape at `parameterInput`.
    static func make(_ sig: KernelSignature, data: TensorType, parameterInput: Int) throws(KernelError) -> QuantizationLayout {
        let shape = data.shape
        let rank = shape.count
        let param = try sig.inputType(parameterInput)
        let blockSize = try sig.int("block_size", 0)
        // A one-element parameter is per-tensor (per-axis over an axis of length 1 is the same thing).
        if blockSize == 0 && param.elementCount == 1 {
            return QuantizationLayout(outer: 1, axisLength: 1, inner: data.elementCount, block: 1, outerStride: 0, axisStride: 0, innerStride: 0)
        }
        guard rank > 0 else { throw sig.shape("a per-axis scale needs input of rank >= 1") }
        let a = try sig.axis(try sig.int("axis", 1), rank: rank)
        let outer = elementCount(Array(shape.prefix(a))), d = shape[a], inner = elementCount(Array(shape.dropFirst(a + 1)))
        if blockSize > 0 {
            guard sig.opset >= 21 || sig.node.domain == "com.microsoft" else { throw sig.invalid("block_size", "needs opset 21 or later") }
            let blocks = (d + blockSize - 1) / blockSize
            var expected = shape
            expected[a] = blocks
            guard param.shape == expected else {
                throw sig.shape("blocked scale/zero point must have shape \(expected) for block_size \(blockSize), has \(param.shape)")
            }
            return QuantizationLayout(outer: outer, axisLength: d, inner: inner, block: blockSize,
                                      outerStride: blocks * inner, axisStride: inner, innerStride: 1)
        }
        guard param.shape.count == 1, param.shape[0] == d else {
            throw sig.shape("per-axis scale/zero point must have shape [\(d)] (axis \(a) of \(shape)), has \(param.shape)")
        }
        return QuantizationLayout(outer: outer, axisLength: d, inner: inner, block: 1, outerStride: 0, axisStride: 1, innerStride: 0)
    }

    /// Checks that input `i` (a zero point) has the same shape as the scale at `scaleInput`.
    static func checkSameShape(_ sig: KernelSignature, _ i: Int, as scaleInput: Int) throws(KernelError) {
        guard sig.hasInput(i) else { return }
        let z = try sig.inputType(i), s = try sig.inputType(scaleInput)
        guard z.elementCount == s.elementCount else { throw sig.shape("zero point \(z.shape) and scale \(s.shape) differ in shape") }
    }

    /// Calls `body(rowStart, parameterBase, parameterStep, n)` for every (outer, axis) row;
    /// element j of the row uses parameter `parameterBase + j · parameterStep`.
    @inline(__always) func forEachRow(_ pool: ThreadPool, serial: Bool, _ body: (Int, Int, Int, Int) -> Void) {
        let rows = outer * axisLength
        @inline(__always) func work(_ range: Range<Int>) {
            for r in range {
                let o = r / axisLength, d = r % axisLength
                body(r * inner, o * outerStride + (d / block) * axisStride, innerStride, inner)
            }
        }
        if serial { work(0..<rows) } else { parallelChunks(pool, count: rows, grain: max(1, (1 << 14) / max(inner, 1)), work) }
    }
}

/// The constant scalar value of input `i` as Double (scale), or a typed error: the
/// QLinear* kernels fix their requantization at prepare time.
func constantScalar(_ sig: KernelSignature, _ i: Int, _ what: String) throws(KernelError) -> Double {
    guard sig.hasInput(i), i < sig.constants.count, let t = sig.constants[i] else {
        throw sig.shape("input \(i) (\(what)) must be a constant; Picojoule fixes quantization parameters when preparing")
    }
    guard t.elementCount == 1 else { throw sig.shape("input \(i) (\(what)) must be a scalar (per-tensor quantization), has shape \(t.shape)") }
    switch t.dtype {
    case .float32: return Double(t.scalars(as: Float.self)[0])
    case .float16: return Double(t.scalars(as: Float16.self)[0])
    case .float64: return t.scalars(as: Double.self)[0]
    default:
        guard let q = quantizedElement(t.dtype) else { throw sig.unsupported(t.dtype) }
        return Double(q.load(t.storage.bytes, 0))
    }
}

/// The constant zero point at input `i` (0 when omitted), checked to have `dtype`.
func constantZeroPoint(_ sig: KernelSignature, _ i: Int, dtype: DType) throws(KernelError) -> Int32 {
    guard sig.hasInput(i) else { return 0 }
    let t = try sig.inputType(i)
    guard t.dtype == dtype else { throw sig.shape("zero point (input \(i)) is \(t.dtype), data is \(dtype)") }
    return Int32(try constantScalar(sig, i, "zero point"))
}

/// Calls `body` with the element type of a byte-sized 8-bit quantized dtype (int8/uint8).
func withByteQuantized<R>(_ sig: KernelSignature, _ d: DType, _ body: (any WholeQuantizedElement.Type) throws(KernelError) -> R) throws(KernelError) -> R {
    switch d {
    case .int8: return try body(QInt8.self)
    case .uint8: return try body(QUInt8.self)
    default: throw sig.unsupported(d)
    }
}
