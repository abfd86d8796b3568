import Model

/// Deterministic input data for profiling runs: the same seed gives the same
/// bytes on every machine, so results are comparable across hosts and runs.
public enum RandomInputs {
    /// One tensor per value, filled from a generator seeded with `seed` (and the
    /// value's position, so adding an input does not change the others' data).
    ///
    /// Ranges: floats uniform in [-1, 1); int8/uint8/int16/uint16/int4/uint4 over
    /// their full range (quantized activations); int32/int64/uint32/uint64 in
    /// [0, 16) (they are usually indices or lengths, and small non-negative values
    /// stay valid for Gather and friends); bool 0 or 1; strings stay empty.
    public static func make(for values: [ValueInfo], seed: UInt64) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (position, value) in values.enumerated() {
            var generator = SplitMix64(seed: seed &+ UInt64(position) &* 0x9E37_79B9_7F4A_7C15)
            result[value.name] = make(value.type, using: &generator)
        }
        return result
    }

    /// One tensor of `type` drawn from `generator`.
    public static func make(_ type: TensorType, using generator: inout SplitMix64) -> Tensor {
        let tensor = Tensor(dtype: type.dtype, shape: type.shape)
        let n = type.elementCount
        let raw = tensor.storage.bytes
        switch type.dtype {
        case .float32:
            let p = raw.assumingMemoryBound(to: Float.self)
            for i in 0..<n { p[i] = generator.nextUnitFloat() }
        case .float64:
            let p = raw.assumingMemoryBound(to: Double.self)
            for i in 0..<n { p[i] = Double(generator.nextUnitFloat()) }
        case .float16:
            let p = raw.assumingMemoryBound(to: UInt16.self)
            for i in 0..<n { p[i] = halfBits(generator.nextUnitFloat()) }
        case .bfloat16:
            // bfloat16 is the upper half of a float32; truncation is fine for random data.
            let p = raw.assumingMemoryBound(to: UInt16.self)
            for i in 0..<n { p[i] = UInt16(truncatingIfNeeded: generator.nextUnitFloat().bitPattern >> 16) }
        case .int8, .uint8, .int16, .uint16, .int4, .uint4:
            // Full range: every bit pattern is a valid value.
            let p = raw.assumingMemoryBound(to: UInt8.self)
            for i in 0..<type.byteCount { p[i] = UInt8(truncatingIfNeeded: generator.next()) }
        case .int32, .uint32:
            let p = raw.assumingMemoryBound(to: Int32.self)
            for i in 0..<n { p[i] = Int32(generator.next() % 16) }
        case .int64, .uint64:
            let p = raw.assumingMemoryBound(to: Int64.self)
            for i in 0..<n { p[i] = Int64(generator.next() % 16) }
        case .bool:
            let p = raw.assumingMemoryBound(to: UInt8.self)
            for i in 0..<n { p[i] = UInt8(generator.next() & 1) }
        case .string:
            break
        }
        return tensor
    }

    /// IEEE half bits of `x` for |x| < 1 (round to nearest even); written out so
    /// that it works where `Float16` is unavailable.
    static func halfBits(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let magnitude = abs(x)
        if magnitude < 6.1035156e-05 {  // subnormal half: value / 2^-24
            return sign | UInt16((magnitude * 16_777_216).rounded(.toNearestOrEven))
        }
        let exponent = Int((bits >> 23) & 0xFF) - 127 + 15
        let mantissa = bits & 0x7F_FFFF
        var half = UInt32(exponent) << 10 | mantissa >> 13
        let rest = mantissa & 0x1FFF
        if rest > 0x1000 || (rest == 0x1000 && half & 1 == 1) { half += 1 }
        return sign | UInt16(half)
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast and statistically fine for
/// test data; the same on every platform, unlike `SystemRandomNumberGenerator`.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1) with 24 random bits (every value exactly representable).
    public mutating func nextUnitFloat() -> Float {
        Float(Int32(truncatingIfNeeded: next() >> 40) - (1 << 23)) / Float(1 << 23)
    }
}
