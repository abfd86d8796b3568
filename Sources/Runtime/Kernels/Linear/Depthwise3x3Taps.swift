/// The nine broadcast weights of a 3×3 depthwise kernel (dilation 1) and its FMA pass
/// over 8 outputs of a row of a padded plane: shared by the fp32 depthwise Conv and the
/// int8 one's exact float path. The weights stay in registers across a plane.
struct Depthwise3x3Taps {
    typealias V = SIMD8<Float>
    let w0: V, w1: V, w2: V, w3: V, w4: V, w5: V, w6: V, w7: V, w8: V

    init(_ w: UnsafePointer<Float>) {
        w0 = V(repeating: w[0]); w1 = V(repeating: w[1]); w2 = V(repeating: w[2])
        w3 = V(repeating: w[3]); w4 = V(repeating: w[4]); w5 = V(repeating: w[5])
        w6 = V(repeating: w[6]); w7 = V(repeating: w[7]); w8 = V(repeating: w[8])
    }

    /// `initial` + the taps over outputs ow..<ow+8 of the row whose first input row is
    /// `r0`, rows `rowBytes` apart. Stride 2 loads 16 lanes and keeps the even ones; the
    /// caller's rows have the spare floats those loads read past the last output.
    @inline(__always)
    func dot(_ r0: UnsafeRawPointer, rowBytes: Int, ow: Int, stride2: Bool, initial: V) -> V {
        let r1 = r0 + rowBytes, r2 = r0 + 2 * rowBytes
        var acc = initial
        if stride2 {
            let o = 8 * ow
            acc = acc.addingProduct(w0, r0.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self).evenHalf)
            acc = acc.addingProduct(w1, r0.loadUnaligned(fromByteOffset: o + 4, as: SIMD16<Float>.self).evenHalf)
            acc = acc.addingProduct(w2, r0.loadUnaligned(fromByteOffset: o + 8, as: SIMD16<Float>.self).evenHalf)
            acc = acc.addingProduct(w3, r1.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self).evenHalf)
            acc = acc.addingProduct(w4, r1.loadUnaligned(fromByteOffset: o + 4, as: SIMD16<Float>.self).evenHalf)
            acc = acc.addingProduct(w5, r1.loadUnaligned(fromByteOffset: o + 8, as: SIMD16<Float>.self).evenHalf)
            acc = acc.addingProduct(w6, r2.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self).evenHalf)
            acc = acc.addingProduct(w7, r2.loadUnaligned(fromByteOffset: o + 4, as: SIMD16<Float>.self).evenHalf)
            acc = acc.addingProduct(w8, r2.loadUnaligned(fromByteOffset: o + 8, as: SIMD16<Float>.self).evenHalf)
        } else {
            let o = 4 * ow
            acc = acc.addingProduct(w0, r0.loadUnaligned(fromByteOffset: o, as: V.self))
            acc = acc.addingProduct(w1, r0.loadUnaligned(fromByteOffset: o + 4, as: V.self))
            acc = acc.addingProduct(w2, r0.loadUnaligned(fromByteOffset: o + 8, as: V.self))
            acc = acc.addingProduct(w3, r1.loadUnaligned(fromByteOffset: o, as: V.self))
            acc = acc.addingProduct(w4, r1.loadUnaligned(fromByteOffset: o + 4, as: V.self))
            acc = acc.addingProduct(w5, r1.loadUnaligned(fromByteOffset: o + 8, as: V.self))
            acc = acc.addingProduct(w6, r2.loadUnaligned(fromByteOffset: o, as: V.self))
            acc = acc.addingProduct(w7, r2.loadUnaligned(fromByteOffset: o + 4, as: V.self))
            acc = acc.addingProduct(w8, r2.loadUnaligned(fromByteOffset: o + 8, as: V.self))
        }
        return acc
    }

    /// The stride-2 pass over a deinterleaved row (`ConvKernel.depthwiseOddOffset`): taps
    /// 0, 1, 2 of a kernel row read even[ow], odd[ow] and even[ow + 1].
    @inline(__always)
    func dotDeinterleaved(_ r0: UnsafeRawPointer, rowBytes: Int, oddBytes: Int, ow: Int, initial: V) -> V {
        let r1 = r0 + rowBytes, r2 = r0 + 2 * rowBytes
        let e = 4 * ow, o = oddBytes + 4 * ow
        var acc = initial
        acc = acc.addingProduct(w0, r0.loadUnaligned(fromByteOffset: e, as: V.self))
        acc = acc.addingProduct(w1, r0.loadUnaligned(fromByteOffset: o, as: V.self))
        acc = acc.addingProduct(w2, r0.loadUnaligned(fromByteOffset: e + 4, as: V.self))
        acc = acc.addingProduct(w3, r1.loadUnaligned(fromByteOffset: e, as: V.self))
        acc = acc.addingProduct(w4, r1.loadUnaligned(fromByteOffset: o, as: V.self))
        acc = acc.addingProduct(w5, r1.loadUnaligned(fromByteOffset: e + 4, as: V.self))
        acc = acc.addingProduct(w6, r2.loadUnaligned(fromByteOffset: e, as: V.self))
        acc = acc.addingProduct(w7, r2.loadUnaligned(fromByteOffset: o, as: V.self))
        acc = acc.addingProduct(w8, r2.loadUnaligned(fromByteOffset: e + 4, as: V.self))
        return acc
    }
}
