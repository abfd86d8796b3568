/// Requantization of one output element: y = clamp(round(acc · multiplier / 2^shift) + zeroPoint),
/// rounding half to even, as onnxruntime's `MlasRequantizeOutput` (which rounds
/// `float(acc) · scale` with `nearbyintf`).
struct IntegerRequantStep: Sendable, Equatable {
    var multiplier: Int32
    var shift: Int32
    var zeroPoint: Int32
}

enum Requantize {
    /// The fixed-point form of a float32 real multiplier (s_a · s_b / s_y, computed in float
    /// as onnxruntime does). A float's 24-bit significand fits a 31-bit multiplier, so
    /// multiplier / 2^shift equals `scale` exactly, and the 64-bit product `acc · multiplier`
    /// (|acc| ≤ 2^31) never overflows. Nil for a negative, non-finite or ≥ 2^30 scale.
    static func step(scale: Float, zeroPoint: Int32) -> IntegerRequantStep? {
        guard scale.isFinite, scale >= 0, scale < 0x1p30 else { return nil }
        // scale = 1.f × 2^e = M × 2^(e − 30) with M = 1.f × 2^30 in [2^30, 2^31).
        guard scale.isNormal, 30 - Int(scale.exponent) <= 62 else {
            // Below 2^-32: |acc · scale| < 1/2 for every int32 acc, the result is the zero point.
            return IntegerRequantStep(multiplier: 0, shift: 1, zeroPoint: zeroPoint)
        }
        let significand = (UInt32(1) << 23) | UInt32(scale.significandBitPattern)
        return IntegerRequantStep(multiplier: Int32(significand << 7), shift: Int32(30 - Int(scale.exponent)), zeroPoint: zeroPoint)
    }

    /// round_half_even(acc · multiplier / 2^shift) + zeroPoint, saturated to qmin…qmax.
    @inline(__always)
    static func apply(_ acc: Int32, _ s: IntegerRequantStep, qmin: Int64, qmax: Int64) -> Int64 {
        let product = Int64(acc) * Int64(s.multiplier)
        let shift = Int64(s.shift)
        var q = product >> shift
        let rest = product & ((1 << shift) - 1), half = Int64(1) << (shift - 1)
        if rest > half || (rest == half && q & 1 == 1) { q += 1 }
        return min(max(q + Int64(s.zeroPoint), qmin), qmax)
    }
}

/// What happens to a finished int32 tile: an optional int32 addend (bias, QGemm's C),
/// then a store as int32, a requantization to int8/uint8, or a float scaling.
struct IntegerEpilogue {
    enum Output {
        case int32(UnsafeMutablePointer<Int32>)
        case int8(UnsafeMutablePointer<Int8>)
        case uint8(UnsafeMutablePointer<UInt8>)
        case float(UnsafeMutablePointer<Float>)
    }
    var output: Output
    var ldc: Int
    /// Added to C(i, j): addend[i * addendRowStride + j * addendColStride].
    var addend: UnsafePointer<Int32>? = nil
    var addendRowStride = 0, addendColStride = 0
    /// int8/uint8 outputs: steps[i * paramRowStride + j * paramColStride].
    var steps: UnsafePointer<IntegerRequantStep>? = nil
    /// float outputs: y = float(acc) · scales[i * paramRowStride + j * paramColStride].
    var scales: UnsafePointer<Float>? = nil
    var paramRowStride = 0, paramColStride = 0

    /// Moves an offset origin: the epilogue of the sub-matrix starting at (row, col).
    func offset(row: Int, col: Int) -> IntegerEpilogue {
        var e = self
        let o = row * ldc + col
        switch output {
        case let .int32(p): e.output = .int32(p + o)
        case let .int8(p): e.output = .int8(p + o)
        case let .uint8(p): e.output = .uint8(p + o)
        case let .float(p): e.output = .float(p + o)
        }
        e.addend = addend.map { $0 + row * addendRowStride + col * addendColStride }
        let po = row * paramRowStride + col * paramColStride
        e.steps = steps.map { $0 + po }
        e.scales = scales.map { $0 + po }
        return e
    }

    /// Finishes the mr×nr part of `tile` (row stride 16), whose origin is C(row, col).
    @inline(__always)
    func apply(_ tile: UnsafeMutablePointer<Int32>, row: Int, col: Int, mr: Int, nr: Int) {
        let ts = IntegerGEMM.nr
        if let addend {
            for i in 0..<mr {
                let a = addend + (row + i) * addendRowStride + col * addendColStride
                for j in 0..<nr { tile[i * ts + j] &+= a[j * addendColStride] }
            }
        }
        let prs = paramRowStride, pcs = paramColStride
        switch output {
        case let .int32(y):
            for i in 0..<mr {
                let out = y + (row + i) * ldc + col
                for j in 0..<nr { out[j] = tile[i * ts + j] }
            }
        case let .int8(y):
            let steps = steps!
            for i in 0..<mr {
                let out = y + (row + i) * ldc + col, s = steps + (row + i) * prs + col * pcs
                for j in 0..<nr { out[j] = Int8(truncatingIfNeeded: Requantize.apply(tile[i * ts + j], s[j * pcs], qmin: -128, qmax: 127)) }
            }
        case let .uint8(y):
            let steps = steps!
            for i in 0..<mr {
                let out = y + (row + i) * ldc + col, s = steps + (row + i) * prs + col * pcs
                for j in 0..<nr { out[j] = UInt8(truncatingIfNeeded: Requantize.apply(tile[i * ts + j], s[j * pcs], qmin: 0, qmax: 255)) }
            }
        case let .float(y):
            let scales = scales!
            for i in 0..<mr {
                let out = y + (row + i) * ldc + col, s = scales + (row + i) * prs + col * pcs
                for j in 0..<nr { out[j] = Float(tile[i * ts + j]) * s[j * pcs] }
            }
        }
    }
}
