import Foundation
import Model

/// An element type the generic arithmetic kernels are instantiated for. Integer
/// arithmetic wraps (ONNX does not define overflow; wrapping never traps in `run`).
protocol NumericElement: BitwiseCopyable, Comparable, Sendable {
    static var dtype: DType { get }
    static var zero: Self { get }
    static var one: Self { get }
    static func add(_ a: Self, _ b: Self) -> Self
    static func sub(_ a: Self, _ b: Self) -> Self
    static func mul(_ a: Self, _ b: Self) -> Self
    /// Division; integer division by zero yields 0 instead of trapping.
    static func div(_ a: Self, _ b: Self) -> Self
    static func pow(_ a: Self, _ b: Self) -> Self
    /// Remainder: `fmod` semantics (sign of the dividend) or Python's (sign of the divisor).
    static func mod(_ a: Self, _ b: Self, fmod: Bool) -> Self
    static func neg(_ a: Self) -> Self
    static func fromCount(_ n: Int) -> Self
    /// Lossy conversion to and from Double, used by Cast and the reductions.
    var double: Double { get }
    init(clamping d: Double)
}

extension Float: NumericElement {
    static var dtype: DType { .float32 }
    static var one: Float { 1 }
    @inline(__always) static func add(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) static func sub(_ a: Float, _ b: Float) -> Float { a - b }
    @inline(__always) static func mul(_ a: Float, _ b: Float) -> Float { a * b }
    @inline(__always) static func div(_ a: Float, _ b: Float) -> Float { a / b }
    @inline(__always) static func pow(_ a: Float, _ b: Float) -> Float { Foundation.pow(a, b) }
    @inline(__always) static func mod(_ a: Float, _ b: Float, fmod: Bool) -> Float {
        let r = Foundation.fmod(a, b)
        return fmod || r == 0 || (r < 0) == (b < 0) ? r : r + b
    }
    @inline(__always) static func neg(_ a: Float) -> Float { -a }
    @inline(__always) static func fromCount(_ n: Int) -> Float { Float(n) }
    var double: Double { Double(self) }
    init(clamping d: Double) { self = Float(d) }
}

extension Double: NumericElement {
    static var dtype: DType { .float64 }
    static var one: Double { 1 }
    @inline(__always) static func add(_ a: Double, _ b: Double) -> Double { a + b }
    @inline(__always) static func sub(_ a: Double, _ b: Double) -> Double { a - b }
    @inline(__always) static func mul(_ a: Double, _ b: Double) -> Double { a * b }
    @inline(__always) static func div(_ a: Double, _ b: Double) -> Double { a / b }
    @inline(__always) static func pow(_ a: Double, _ b: Double) -> Double { Foundation.pow(a, b) }
    @inline(__always) static func mod(_ a: Double, _ b: Double, fmod: Bool) -> Double {
        let r = Foundation.fmod(a, b)
        return fmod || r == 0 || (r < 0) == (b < 0) ? r : r + b
    }
    @inline(__always) static func neg(_ a: Double) -> Double { -a }
    @inline(__always) static func fromCount(_ n: Int) -> Double { Double(n) }
    var double: Double { self }
    init(clamping d: Double) { self = d }
}

/// Integer arithmetic shared by the integer element types.
protocol IntegerElement: NumericElement, FixedWidthInteger, SignedInteger {}

extension IntegerElement {
    static var one: Self { 1 }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a &+ b }
    @inline(__always) static func sub(_ a: Self, _ b: Self) -> Self { a &- b }
    @inline(__always) static func mul(_ a: Self, _ b: Self) -> Self { a &* b }
    @inline(__always) static func div(_ a: Self, _ b: Self) -> Self {
        b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
    }
    @inline(__always) static func pow(_ a: Self, _ b: Self) -> Self {
        if b < 0 { return a == 1 ? 1 : (a == -1 ? (b & 1 == 0 ? 1 : -1) : 0) }
        var result: Self = 1, base = a, e = b
        while e > 0 {
            if e & 1 == 1 { result = result &* base }
            base = base &* base
            e >>= 1
        }
        return result
    }
    @inline(__always) static func mod(_ a: Self, _ b: Self, fmod: Bool) -> Self {
        if b == 0 { return 0 }
        let r = a.remainderReportingOverflow(dividingBy: b).partialValue
        return fmod || r == 0 || (r < 0) == (b < 0) ? r : r &+ b
    }
    @inline(__always) static func neg(_ a: Self) -> Self { 0 &- a }
    @inline(__always) static func fromCount(_ n: Int) -> Self { Self(truncatingIfNeeded: n) }
    var double: Double { Double(self) }
    init(clamping d: Double) {
        // Swift traps converting NaN or out-of-range floats; ONNX leaves them undefined.
        if d.isNaN { self = 0 } else if d >= Double(Self.max) { self = .max } else if d <= Double(Self.min) { self = .min } else { self = Self(d) }
    }
}

extension Int64: IntegerElement { static var dtype: DType { .int64 } }
extension Int32: IntegerElement { static var dtype: DType { .int32 } }
extension Int8: IntegerElement { static var dtype: DType { .int8 } }

/// Calls `body` with the Swift element type for `dtype`, for the types the generic
/// arithmetic kernels support; nil for the others.
func withNumericType<R>(_ dtype: DType, _ body: (any NumericElement.Type) throws(KernelError) -> R) throws(KernelError) -> R? {
    switch dtype {
    case .float32: return try body(Float.self)
    case .float64: return try body(Double.self)
    case .int64: return try body(Int64.self)
    case .int32: return try body(Int32.self)
    case .int8: return try body(Int8.self)
    default: return nil
    }
}

/// The numeric dtypes registered for the generic arithmetic kernels.
let numericDTypes: [DType] = [.float32, .float64, .int64, .int32, .int8]
