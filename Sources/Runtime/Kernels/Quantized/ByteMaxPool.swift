/// MaxPool on int8 or uint8 NCHW tensors: the max of the raw bytes, which is exact
/// because quantization is monotonic and MaxPool keeps the input's scale and zero
/// point. The generic quantized pool widened every tap to Int64 through the element
/// protocol (a third of int8 SqueezeNet's time was its MaxPools). Not generic: an
/// unspecialized generic kernel behind `any Kernel` compares through witness tables.
/// int8 runs the uint8 loop with the sign bit flipped, which maps signed order onto
/// unsigned order.
struct ByteMaxPoolKernel: Kernel {
    let planes: Int
    let window: QuantizedWindow
    let signed: Bool

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: UInt8.self), y = context.output(0, as: UInt8.self)
        let win = window
        let flip: UInt8 = signed ? 0x80 : 0
        let flipV = SIMD16<UInt8>(repeating: flip)
        // Output columns whose windows (and, at stride 2, the 32-byte load) stay in the row.
        let reach = (win.kw - 1) + (win.sw == 2 ? 31 : 15)
        let vectorOK = win.sw == 1 || win.sw == 2
        let vectorFrom = (win.padLeft + win.sw - 1) / win.sw
        let vectorTo = vectorOK && win.w - 1 - reach + win.padLeft >= 0 ? min(win.outW, (win.w - 1 - reach + win.padLeft) / win.sw + 16) : 0
        let inPlane = win.h * win.w, outPlane = win.outH * win.outW
        parallelChunks(context.pool, count: planes, grain: max(1, (1 << 16) / max(outPlane * win.kh * win.kw, 1))) { range in
            for p in range {
                let src = x + p * inPlane, dst = y + p * outPlane
                for oh in 0..<win.outH {
                    let (r0, r1) = QuantizedWindow.range(oh, stride: win.sh, pad: win.padTop, k: win.kh, lo: 0, hi: win.h)
                    let ih0 = oh * win.sh - win.padTop
                    var ow = 0
                    while ow < win.outW {
                        if ow >= vectorFrom && ow + 16 <= vectorTo {
                            // 16 outputs at once, every tap inside the row.
                            var m = SIMD16<UInt8>(repeating: 0)
                            let iw0 = ow * win.sw - win.padLeft
                            for r in r0..<r1 {
                                let row = UnsafeRawPointer(src + (ih0 + r) * win.w + iw0)
                                for k in 0..<win.kw {
                                    let v = (win.sw == 1 ? row.loadUnaligned(fromByteOffset: k, as: SIMD16<UInt8>.self)
                                        : row.loadUnaligned(fromByteOffset: k, as: SIMD32<UInt8>.self).evenHalf) ^ flipV
                                    m = m.replacing(with: v, where: m .< v)
                                }
                            }
                            UnsafeMutableRawPointer(dst + oh * win.outW + ow).storeBytes(of: m ^ flipV, as: SIMD16<UInt8>.self)
                            ow += 16
                            continue
                        }
                        defer { ow += 1 }
                        let (c0, c1) = QuantizedWindow.range(ow, stride: win.sw, pad: win.padLeft, k: win.kw, lo: 0, hi: win.w)
                        let iw0 = ow * win.sw - win.padLeft
                        var m: UInt8 = 0
                        for r in r0..<r1 {
                            let row = src + (ih0 + r) * win.w + iw0
                            for k in c0..<c1 { m = Swift.max(m, row[k] ^ flip) }
                        }
                        dst[oh * win.outW + ow] = m ^ flip
                    }
                }
            }
        }
    }
}
