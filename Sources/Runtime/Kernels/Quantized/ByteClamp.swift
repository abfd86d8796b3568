/// Clip and Relu on int8/uint8 tensors with constant bounds: the Clip at the output zero
/// point that QDQ fusion puts where a quantized Relu was, 16 bytes per step (SIMD16:
/// SIMD32 byte masks compile lane by lane).
///
/// int8 bytes are compared in unsigned order after flipping the sign bit (x ^ 0x80 maps
/// −128…127 onto 0…255 monotonically), so one unsigned max/min pair serves both dtypes.
struct ByteClampKernel: Kernel {
    let count: Int
    /// Bounds in the flipped (unsigned) order.
    let lo: UInt8, hi: UInt8
    /// 0x80 for int8, 0 for uint8.
    let flip: UInt8

    init(count: Int, signed: Bool, lo: Int, hi: Int) {
        self.count = count
        flip = signed ? 0x80 : 0
        let bias = signed ? 128 : 0, top = signed ? 127 : 255, bottom = signed ? -128 : 0
        self.lo = UInt8(Swift.min(Swift.max(lo, bottom), top) + bias)
        self.hi = UInt8(Swift.min(Swift.max(hi, bottom), top) + bias)
    }

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: UInt8.self), y = context.output(0, as: UInt8.self)
        let lo = self.lo, hi = Swift.max(self.lo, self.hi), flip = self.flip
        parallelChunks(context.pool, count: count, grain: 1 << 16) { range in
            let f = SIMD16<UInt8>(repeating: flip), l = SIMD16<UInt8>(repeating: lo), h = SIMD16<UInt8>(repeating: hi)
            var j = range.lowerBound
            while j + 16 <= range.upperBound {
                var v = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD16<UInt8>.self) ^ f
                v = v.replacing(with: l, where: v .< l)
                v = v.replacing(with: h, where: v .> h)
                UnsafeMutableRawPointer(y + j).storeBytes(of: v ^ f, as: SIMD16<UInt8>.self)
                j += 16
            }
            while j < range.upperBound {
                let v = x[j] ^ flip
                y[j] = (v < lo ? lo : v > hi ? hi : v) ^ flip
                j += 1
            }
        }
    }
}

/// Clip (bounds from constant inputs 1 and 2) or Relu (lower bound 0) on int8/uint8.
func byteClampFactory(relu: Bool) -> KernelFactory {
    return { sig in
        let type = try sig.inputType(0)
        let n = type.elementCount
        try sig.expectOutput(0, count: n)
        let signed = type.dtype == .int8
        let lo = relu ? 0 : try sig.constantInts(1, "min")?.first ?? Int.min
        let hi = relu ? Int.max : try sig.constantInts(2, "max")?.first ?? Int.max
        return PreparedKernel(kernel: ByteClampKernel(count: n, signed: signed, lo: lo, hi: hi),
                              ops: [type.dtype: Int64(n) * (relu ? 1 : 2)], computeType: type.dtype)
    }
}
