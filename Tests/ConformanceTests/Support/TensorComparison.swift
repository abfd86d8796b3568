import Model

/// numpy's `assert_allclose` rule, as onnx's backend tests use it:
/// `|actual - expected| <= atol + rtol * |expected|`, NaN equal to NaN.
struct Tolerance: Sendable, CustomStringConvertible {
    var rtol: Double
    var atol: Double
    var description: String { "rtol \(rtol), atol \(atol)" }

    /// onnx's default for model tests (`onnx/backend/test/loader`, `case/model`).
    static let onnx = Tolerance(rtol: 1e-3, atol: 1e-7)
}

/// Compares one output with its reference; nil when they match, else what differs.
func mismatch(actual: Tensor, expected: Tensor, tolerance: Tolerance) -> String? {
    guard actual.shape == expected.shape else {
        // onnx compares shapes exactly; a scalar stored as [1] (or the reverse) is the
        // one difference we forgive, because some exporters write it either way.
        guard actual.elementCount == expected.elementCount, actual.elementCount == 1 else {
            return "shape \(actual.shape), expected \(expected.shape)"
        }
        return mismatch(actual: actual.reshaped(expected.shape), expected: expected, tolerance: tolerance)
    }
    guard let a = doubles(actual), let e = doubles(expected) else {
        return "cannot compare element types \(actual.dtype) and \(expected.dtype)"
    }
    if actual.dtype != expected.dtype && !(actual.dtype.isFloatingPoint && expected.dtype.isFloatingPoint) {
        return "element type \(actual.dtype), expected \(expected.dtype)"
    }
    var bad = 0, worst = 0, worstExcess = -Double.infinity, maxAbs = 0.0
    for i in 0..<a.count {
        let x = a[i], y = e[i]
        if x.isNaN && y.isNaN { continue }
        if x == y { continue }  // also equal infinities
        let diff = abs(x - y)
        maxAbs = diff.isNaN ? .nan : max(maxAbs, diff)
        let excess = diff - (tolerance.atol + tolerance.rtol * abs(y))
        if !(excess <= 0) {
            bad += 1
            if excess > worstExcess || excess.isNaN { worstExcess = excess; worst = i }
        }
    }
    guard bad > 0 else { return nil }
    return "\(bad) of \(a.count) elements outside \(tolerance); worst at \(worst): \(a[worst]) vs \(e[worst]); max |diff| \(maxAbs)"
}

/// Largest |a - e| / max |e|, for reporting how close a passing output is.
func relativeError(actual: Tensor, expected: Tensor) -> Double {
    guard let a = doubles(actual), let e = doubles(expected), a.count == e.count else { return .nan }
    let scale = e.reduce(0) { max($0, abs($1)) }
    var worst = 0.0
    for i in 0..<a.count { worst = max(worst, abs(a[i] - e[i])) }
    return scale > 0 ? worst / scale : worst
}

/// Elements widened to Double; nil for types the comparison does not handle.
func doubles(_ t: Tensor) -> [Double]? {
    switch t.dtype {
    case .float32: t.scalars(as: Float.self).map(Double.init)
    case .float64: t.scalars(as: Double.self)
    case .float16: t.scalars(as: UInt16.self).map { Double(Float(Float16(bitPattern: $0))) }
    case .int64: t.scalars(as: Int64.self).map(Double.init)
    case .int32: t.scalars(as: Int32.self).map(Double.init)
    case .int8: t.scalars(as: Int8.self).map(Double.init)
    case .uint8, .bool: t.scalars(as: UInt8.self).map(Double.init)
    default: nil
    }
}
