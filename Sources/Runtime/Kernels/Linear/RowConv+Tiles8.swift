/// The row path's tiles for 8-lane vectors (AVX2 and portable builds): a group of 8
/// output channels runs as two halves of 4, each over 24 consecutive pixels of a row.
///
/// Why 24 × 4: with 16 vector registers, 32 × 8 (the AVX-512 tile) would need 32
/// accumulators; 16 × 8 leaves none for the inputs. 24 × 4 keeps twelve accumulators
/// (enough chains for two FMA pipes of latency 4) and loads three input vectors and
/// four broadcasts per twelve FMAs. The second half re-reads the row's inputs, which
/// are a few KB in L1. Where the channel-lane tile (`DirectConvPlan`) served these convs
/// on a Zen 3 core, SqueezeNet's 3→64 3×3 stride-2 conv took 1.54 ms in the model
/// against onnxruntime's 0.98: with a depth of 27 its transposing stores cost as much as
/// its FMAs.
extension RowConvPlan {
    static let halfGroup = groupChannels / 2
    /// Pixels of `tile24x4` and `tile16x4`.
    static let wide8 = 24, narrow8 = 16

    /// Every group of `rows` in two halves: 24-pixel tiles along the row, then its end in
    /// a 24-pixel tile ending at the row's end (more than 16 left) or a 16-pixel one,
    /// overlapping the tile before (shared outputs are computed twice, equal).
    func runHalves(rows: Range<Int>, phased: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                   relu: Bool, into y: RowOutput) {
        let k = depth, plane = y.plane, wide = Self.wide8, narrow = Self.narrow8
        offsets.withUnsafeBufferPointer { offsets in
            let o = offsets.baseAddress!
            for oh in rows {
                let x = phased + (oh - rows.lowerBound) * rowStep
                for g in 0..<groups {
                    var c0 = g * Self.groupChannels
                    let groupEnd = min(c0 + Self.groupChannels, outChannels)
                    var w = weights + g * k * Self.groupChannels
                    while c0 < groupEnd {
                        let chans = min(Self.halfGroup, groupEnd - c0), b = bias.map { $0 + c0 }
                        let out = y.row(oh, channel: c0)
                        var ow = 0
                        while ow + wide <= outW {
                            Self.tile24x4(depth: k, x: x + ow, offsets: o, w: w, bias: b, relu: relu, y: out + ow, plane: plane,
                                          channels: chans)
                            ow += wide
                        }
                        let rest = outW - ow
                        if rest > narrow && outW >= wide {
                            let at = outW - wide
                            Self.tile24x4(depth: k, x: x + at, offsets: o, w: w, bias: b, relu: relu, y: out + at, plane: plane,
                                          channels: chans)
                        } else if rest > 0 {
                            // Rows of 17–23 outputs: two overlapping 16-pixel tiles.
                            if rest > narrow {
                                Self.tile16x4(depth: k, x: x, offsets: o, w: w, bias: b, relu: relu, y: out, plane: plane, channels: chans)
                            }
                            let at = outW - narrow
                            Self.tile16x4(depth: k, x: x + at, offsets: o, w: w, bias: b, relu: relu, y: out + at, plane: plane,
                                          channels: chans)
                        }
                        c0 += Self.halfGroup
                        w += Self.halfGroup
                    }
                }
            }
        }
    }

    /// Bias and Relu on 8 outputs of one channel, stored at `y`. Not one generic store with
    /// `store`'s 16 lanes: over a generic `SIMD` type the Relu's compare became a loop over
    /// the lanes, and SqueezeNet's first conv ran ten times slower (0.89 → 8.7 ms).
    @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ y: UnsafeMutablePointer<Float>, bias: Float, relu: Bool) {
        var v = v + SIMD8(repeating: bias)
        if relu { v = v.replacing(with: 0, where: v .< 0) }
        UnsafeMutableRawPointer(y).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// 24 pixels × 4 channels; `w` is the half's first lane in the group's [depth][8] weights.
    @inline(never)
    static func tile24x4(depth: Int, x: UnsafePointer<Float>, offsets: UnsafePointer<Int32>, w: UnsafePointer<Float>,
                         bias: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>, plane: Int, channels: Int) {
        typealias V = SIMD8<Float>
        var a0 = V(), b0 = V(), c0 = V(), a1 = V(), b1 = V(), c1 = V()
        var a2 = V(), b2 = V(), c2 = V(), a3 = V(), b3 = V(), c3 = V()
        var wp = w
        for kk in 0..<depth {
            let p = UnsafeRawPointer(x + Int(offsets[kk]))
            let u = p.loadUnaligned(as: V.self), v = p.loadUnaligned(fromByteOffset: 32, as: V.self)
            let t = p.loadUnaligned(fromByteOffset: 64, as: V.self)
            var s = V(repeating: wp[0]); a0 = a0.addingProduct(s, u); b0 = b0.addingProduct(s, v); c0 = c0.addingProduct(s, t)
            s = V(repeating: wp[1]); a1 = a1.addingProduct(s, u); b1 = b1.addingProduct(s, v); c1 = c1.addingProduct(s, t)
            s = V(repeating: wp[2]); a2 = a2.addingProduct(s, u); b2 = b2.addingProduct(s, v); c2 = c2.addingProduct(s, t)
            s = V(repeating: wp[3]); a3 = a3.addingProduct(s, u); b3 = b3.addingProduct(s, v); c3 = c3.addingProduct(s, t)
            wp += groupChannels
        }
        @inline(__always) func put(_ j: Int, _ a: V, _ b: V, _ c: V) {
            guard j < channels else { return }
            let bj = bias?[j] ?? 0, row = y + j * plane
            store8(a, row, bias: bj, relu: relu); store8(b, row + 8, bias: bj, relu: relu); store8(c, row + 16, bias: bj, relu: relu)
        }
        put(0, a0, b0, c0); put(1, a1, b1, c1); put(2, a2, b2, c2); put(3, a3, b3, c3)
    }

    /// 16 pixels × 4 channels: a row's end when at most 16 pixels are left.
    @inline(never)
    static func tile16x4(depth: Int, x: UnsafePointer<Float>, offsets: UnsafePointer<Int32>, w: UnsafePointer<Float>,
                         bias: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>, plane: Int, channels: Int) {
        typealias V = SIMD8<Float>
        var a0 = V(), b0 = V(), a1 = V(), b1 = V(), a2 = V(), b2 = V(), a3 = V(), b3 = V()
        var wp = w
        for kk in 0..<depth {
            let p = UnsafeRawPointer(x + Int(offsets[kk]))
            let u = p.loadUnaligned(as: V.self), v = p.loadUnaligned(fromByteOffset: 32, as: V.self)
            var s = V(repeating: wp[0]); a0 = a0.addingProduct(s, u); b0 = b0.addingProduct(s, v)
            s = V(repeating: wp[1]); a1 = a1.addingProduct(s, u); b1 = b1.addingProduct(s, v)
            s = V(repeating: wp[2]); a2 = a2.addingProduct(s, u); b2 = b2.addingProduct(s, v)
            s = V(repeating: wp[3]); a3 = a3.addingProduct(s, u); b3 = b3.addingProduct(s, v)
            wp += groupChannels
        }
        @inline(__always) func put(_ j: Int, _ a: V, _ b: V) {
            guard j < channels else { return }
            let bj = bias?[j] ?? 0, row = y + j * plane
            store8(a, row, bias: bj, relu: relu); store8(b, row + 8, bias: bj, relu: relu)
        }
        put(0, a0, b0); put(1, a1, b1); put(2, a2, b2); put(3, a3, b3)
    }
}
