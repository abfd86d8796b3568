/// The register tile of the pixel-lane convs (`RowConvPlan.tile32`, `GridConvPlan`):
/// 32 consecutive output pixels (two 16-lane vectors) × 8 output channels, sixteen
/// accumulators. One depth index is two input vectors against eight broadcast weights.
struct PixelTile32x8 {
    typealias V = SIMD16<Float>
    var l0 = V(), l1 = V(), l2 = V(), l3 = V(), l4 = V(), l5 = V(), l6 = V(), l7 = V()
    var h0 = V(), h1 = V(), h2 = V(), h3 = V(), h4 = V(), h5 = V(), h6 = V(), h7 = V()

    /// The 32 inputs at `p` against the eight weights at `wp`.
    @inline(__always)
    mutating func add(_ p: UnsafeRawPointer, _ wp: UnsafePointer<Float>) {
        let u = p.loadUnaligned(as: V.self), v = p.loadUnaligned(fromByteOffset: 64, as: V.self)
        var s = V(repeating: wp[0]); l0 = l0.addingProduct(s, u); h0 = h0.addingProduct(s, v)
        s = V(repeating: wp[1]); l1 = l1.addingProduct(s, u); h1 = h1.addingProduct(s, v)
        s = V(repeating: wp[2]); l2 = l2.addingProduct(s, u); h2 = h2.addingProduct(s, v)
        s = V(repeating: wp[3]); l3 = l3.addingProduct(s, u); h3 = h3.addingProduct(s, v)
        s = V(repeating: wp[4]); l4 = l4.addingProduct(s, u); h4 = h4.addingProduct(s, v)
        s = V(repeating: wp[5]); l5 = l5.addingProduct(s, u); h5 = h5.addingProduct(s, v)
        s = V(repeating: wp[6]); l6 = l6.addingProduct(s, u); h6 = h6.addingProduct(s, v)
        s = V(repeating: wp[7]); l7 = l7.addingProduct(s, u); h7 = h7.addingProduct(s, v)
    }

    /// Channel j's two vectors.
    @inline(__always)
    func channel(_ j: Int) -> (V, V) {
        switch j {
        case 0: (l0, h0)
        case 1: (l1, h1)
        case 2: (l2, h2)
        case 3: (l3, h3)
        case 4: (l4, h4)
        case 5: (l5, h5)
        case 6: (l6, h6)
        default: (l7, h7)
        }
    }

    /// Where a tile of 32 output pixels goes straight from the registers: channel j's
    /// pixels at y + j · plane, after bias[j], the residual (y's layout) and the Relu.
    /// Why: through acc[channel][32] and `ck_store_grid16` the sixteen vectors went to
    /// memory and back and each half through a compress; a 1×1 grid tile has 16 or 32
    /// depth steps to hide that behind (SqueezeNet's 27² and 13² expands).
    struct Output {
        var bias: UnsafePointer<Float>?
        var residual: UnsafePointer<Float>?
        var relu: Bool
        var y: UnsafeMutablePointer<Float>
        var plane: Int
    }

    /// All eight channels to `out`, each as two contiguous vectors.
    @inline(__always)
    func store(_ out: Output) {
        for j in 0..<8 {
            var (lo, hi) = channel(j)
            if let bias = out.bias { let b = V(repeating: bias[j]); lo += b; hi += b }
            if let residual = out.residual {
                let r = UnsafeRawPointer(residual + j * out.plane)
                lo += r.loadUnaligned(as: V.self); hi += r.loadUnaligned(fromByteOffset: 64, as: V.self)
            }
            if out.relu { lo = lo.replacing(with: 0, where: lo .< 0); hi = hi.replacing(with: 0, where: hi .< 0) }
            let y = UnsafeMutableRawPointer(out.y + j * out.plane)
            y.storeBytes(of: lo, as: V.self)
            y.storeBytes(of: hi, toByteOffset: 64, as: V.self)
        }
    }

    /// As acc[channel][32].
    @inline(__always)
    func store(_ acc: UnsafeMutablePointer<Float>) {
        let o = UnsafeMutableRawPointer(acc)
        for j in 0..<8 {
            let (lo, hi) = channel(j)
            o.storeBytes(of: lo, toByteOffset: j * 128, as: V.self)
            o.storeBytes(of: hi, toByteOffset: j * 128 + 64, as: V.self)
        }
    }
}
