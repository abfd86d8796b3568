import CKernels

/// Requantization of one output element: y = clamp(round(acc · multiplier / 2^shift) + zeroPoint),
/// rounding half to even, as onnxruntime's `MlasRequantizeOutput` (which rounds
/// `float(acc) · scale` with `nearbyintf`). The C layout is shared with `ck_requantize16_8bit`.
typealias IntegerRequantStep = ck_requant_step

extension ck_requant_step: @unchecked Sendable {}

enum Requantize {
    /// The fixed-point form of a float32 real multiplier (s_a · s_b / s_y, computed in float
    /// as onnxruntime does). A float's 24-bit significand fits a 31-bit multiplier, so
    /// multiplier / 2^shift equals `scale` exactly, and the 64-bit product `acc · multiplier`
    /// (|acc| ≤ 2^31) never overflows. Nil for a negative, non-finite or ≥ 2^30 scale.
    static func step(scale: Float, zeroPoint: Int32) -> IntegerRequantStep? {
        guard scale.isFinite, scale >= 0, scale < 0x1p30 else { return nil }
        // scale = 1.f × 2^e = M × 2^(e − 30) with M = 1.f × 2^30 in [2^30, 2^31). Below 2^-32
        // (e ≤ −33), |acc · scale| < 1/2 for every int32 acc and the result is the zero point.
        guard scale.isNormal, scale.exponent > -33 else { return IntegerRequantStep(multiplier: 0, shift: 1, zero_point: zeroPoint) }
        var multiplier = ((UInt32(1) << 23) | UInt32(scale.significandBitPattern)) << 7
        var shift = 30 - Int32(scale.exponent)
        // `ck_requantize16_8bit` needs shift ≤ 61; M's low 7 bits are zero, so halving it is exact.
        if shift == 62 { multiplier >>= 1; shift = 61 }
        return IntegerRequantStep(multiplier: Int32(multiplier), shift: shift, zero_point: zeroPoint)
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

    /// Finishes the mr×nr part of `tile` (row stride 16), whose origin is C(row, col).
    @inline(__always)
    func apply(_ tile: UnsafeMutablePointer<Int32>, row: Int, col: Int, mr: Int, nr: Int) {
        let ts = IntegerGEMM.nr
        let prs = paramRowStride, pcs = paramColStride, ars = addendRowStride, acs = addendColStride
        switch output {
        case let .int8(y):
            for i in 0..<mr {
                ck_requantize16_8bit(tile + i * ts, addend.map { $0 + (row + i) * ars + col * acs }, acs,
                                     steps! + (row + i) * prs + col * pcs, pcs, 1, y + (row + i) * ldc + col, Int32(nr))
            }
        case let .uint8(y):
            for i in 0..<mr {
                ck_requantize16_8bit(tile + i * ts, addend.map { $0 + (row + i) * ars + col * acs }, acs,
                                     steps! + (row + i) * prs + col * pcs, pcs, 0, y + (row + i) * ldc + col, Int32(nr))
            }
        case let .int32(y):
            for i in 0..<mr {
                let out = y + (row + i) * ldc + col, a = addend.map { $0 + (row + i) * ars + col * acs }
                for j in 0..<nr { out[j] = tile[i * ts + j] &+ (a?[j * acs] ?? 0) }
            }
        case let .float(y):
            let scales = scales!
            for i in 0..<mr {
                let out = y + (row + i) * ldc + col, s = scales + (row + i) * prs + col * pcs
                let a = addend.map { $0 + (row + i) * ars + col * acs }
                for j in 0..<nr { out[j] = Float(tile[i * ts + j] &+ (a?[j * acs] ?? 0)) * s[j * pcs] }
            }
        }
    }
}
