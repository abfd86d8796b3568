extension SGEMM {
    /// The 6×16 register tile: C[0..<mr, 0..<nr] = alpha · Apanel · Bpanel (+ bias)
    /// (+ addend), where `addend` (stride ldc) is C itself when accumulating, a fused
    /// residual's tile, or nil.
    ///
    /// `a` is a kc×6 panel (6 floats per k), `b` a kc×16 panel (16 floats per k), both
    /// zero padded, so a partial tile computes the full 6×16 and stores only its part.
    /// Twelve SIMD8 accumulators and two B vectors fill 14 of the 16 ymm registers.
    @inline(never)
    static func microKernel6x16(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                c: UnsafeMutablePointer<Float>, ldc: Int, mr: Int, nr: Int,
                                alpha: Float, addend: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, relu: Bool = false) {
        // The last panel of M = 32, 64, 128, 256 … has 2 or 4 rows: running all six
        // would spend 11 % of a 32-row product on zero padding (DenseNet's 3×3 convs).
        if mr <= 4 {
            microKernel4x16(kc: kc, a: a, b: b, c: c, ldc: ldc, mr: mr, nr: nr, alpha: alpha, addend: addend, bias: bias, relu: relu)
            return
        }
        microKernel6x16Body(kc: kc, a: a, b: b, bRowBytes: 64, packInto: nil, c: c, ldc: ldc, mr: mr, nr: nr,
                            alpha: alpha, addend: addend, bias: bias, relu: relu)
    }

    /// The 6×16 tile of a strip's first row panel (six full rows, 16 columns), reading B
    /// straight from its row-major source (`bRowStride` floats between rows) and writing
    /// the packed kc×16 panel into `packInto` for the strip's other row panels. Why:
    /// packing first was a pass of its own over one line of each of K input planes, whose
    /// misses then stalled a loop with nothing else to do; here the loads overlap the
    /// FMAs.
    @inline(never)
    static func microKernel6x16Packing(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bRowStride: Int,
                                       packInto: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                                       alpha: Float, addend: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, relu: Bool) {
        microKernel6x16Body(kc: kc, a: a, b: b, bRowBytes: bRowStride * 4, packInto: UnsafeMutableRawPointer(packInto), c: c,
                            ldc: ldc, mr: 6, nr: 16, alpha: alpha, addend: addend, bias: bias, relu: relu)
    }

    @inline(__always)
    static func microKernel6x16Body(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bRowBytes: Int,
                                    packInto: UnsafeMutableRawPointer?, c: UnsafeMutablePointer<Float>, ldc: Int, mr: Int, nr: Int,
                                    alpha: Float, addend: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, relu: Bool) {
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var ap = a
        var bp = UnsafeRawPointer(b)
        var out = packInto
        for _ in 0..<kc {
            let b0 = bp.loadUnaligned(as: V.self)
            let b1 = bp.loadUnaligned(fromByteOffset: 32, as: V.self)
            if let o = out {
                o.storeBytes(of: b0, as: V.self)
                o.storeBytes(of: b1, toByteOffset: 32, as: V.self)
                out = o + 64
            }
            var x = V(repeating: ap[0])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = V(repeating: ap[1])
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = V(repeating: ap[2])
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = V(repeating: ap[3])
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = V(repeating: ap[4])
            c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = V(repeating: ap[5])
            c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            ap += 6
            bp += bRowBytes
        }
        if alpha != 1 {
            let s = V(repeating: alpha)
            c00 *= s; c01 *= s; c10 *= s; c11 *= s; c20 *= s; c21 *= s
            c30 *= s; c31 *= s; c40 *= s; c41 *= s; c50 *= s; c51 *= s
        }
        if mr == 6 && nr == 16 {
            storeRow(c00, c01, c, addend: addend, bias: bias?[0], relu: relu)
            storeRow(c10, c11, c + ldc, addend: addend.map { $0 + ldc }, bias: bias?[1], relu: relu)
            storeRow(c20, c21, c + 2 * ldc, addend: addend.map { $0 + 2 * ldc }, bias: bias?[2], relu: relu)
            storeRow(c30, c31, c + 3 * ldc, addend: addend.map { $0 + 3 * ldc }, bias: bias?[3], relu: relu)
            storeRow(c40, c41, c + 4 * ldc, addend: addend.map { $0 + 4 * ldc }, bias: bias?[4], relu: relu)
            storeRow(c50, c51, c + 5 * ldc, addend: addend.map { $0 + 5 * ldc }, bias: bias?[5], relu: relu)
            return
        }
        storePartialRow(c00, c01, c, nr: nr, addend: addend, bias: bias?[0], relu: relu)
        if mr > 1 { storePartialRow(c10, c11, c + ldc, nr: nr, addend: addend.map { $0 + ldc }, bias: bias?[1], relu: relu) }
        if mr > 2 { storePartialRow(c20, c21, c + 2 * ldc, nr: nr, addend: addend.map { $0 + 2 * ldc }, bias: bias?[2], relu: relu) }
        if mr > 3 { storePartialRow(c30, c31, c + 3 * ldc, nr: nr, addend: addend.map { $0 + 3 * ldc }, bias: bias?[3], relu: relu) }
        if mr > 4 { storePartialRow(c40, c41, c + 4 * ldc, nr: nr, addend: addend.map { $0 + 4 * ldc }, bias: bias?[4], relu: relu) }
        if mr > 5 { storePartialRow(c50, c51, c + 5 * ldc, nr: nr, addend: addend.map { $0 + 5 * ldc }, bias: bias?[5], relu: relu) }
    }

    /// Up to four rows of a 6-wide packed A panel (rows mr..<6 are padding): two or four
    /// rows of accumulators, so a short last panel costs what it computes.
    @inline(never)
    static func microKernel4x16(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                c: UnsafeMutablePointer<Float>, ldc: Int, mr: Int, nr: Int,
                                alpha: Float, addend: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, relu: Bool) {
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var ap = a
        var bp = UnsafeRawPointer(b)
        if mr <= 2 {
            for _ in 0..<kc {
                let b0 = bp.loadUnaligned(as: V.self), b1 = bp.loadUnaligned(fromByteOffset: 32, as: V.self)
                var x = V(repeating: ap[0])
                c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
                x = V(repeating: ap[1])
                c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
                ap += 6
                bp += 64
            }
        } else {
            for _ in 0..<kc {
                let b0 = bp.loadUnaligned(as: V.self), b1 = bp.loadUnaligned(fromByteOffset: 32, as: V.self)
                var x = V(repeating: ap[0])
                c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
                x = V(repeating: ap[1])
                c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
                x = V(repeating: ap[2])
                c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
                x = V(repeating: ap[3])
                c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
                ap += 6
                bp += 64
            }
        }
        if alpha != 1 {
            let s = V(repeating: alpha)
            c00 *= s; c01 *= s; c10 *= s; c11 *= s; c20 *= s; c21 *= s; c30 *= s; c31 *= s
        }
        @inline(__always) func store(_ i: Int, _ v0: V, _ v1: V) {
            if nr == 16 {
                storeRow(v0, v1, c + i * ldc, addend: addend.map { $0 + i * ldc }, bias: bias?[i], relu: relu)
            } else {
                storePartialRow(v0, v1, c + i * ldc, nr: nr, addend: addend.map { $0 + i * ldc }, bias: bias?[i], relu: relu)
            }
        }
        store(0, c00, c01)
        if mr > 1 { store(1, c10, c11) }
        if mr > 2 { store(2, c20, c21) }
        if mr > 3 { store(3, c30, c31) }
    }

    /// A last column strip of at most 8 (N = 49 leaves one column of a 16-wide strip, 196
    /// leaves four): six accumulators over the first half of the 16-wide B panel, so the
    /// 7×7 convs of ResNet's and DenseNet's last stage compute 56 columns instead of 64.
    @inline(never)
    static func microKernel6x8(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                               c: UnsafeMutablePointer<Float>, ldc: Int, mr: Int, nr: Int,
                               alpha: Float, addend: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, relu: Bool) {
        typealias V = SIMD8<Float>
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
        var ap = a
        var bp = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = bp.loadUnaligned(as: V.self)
            c0 = c0.addingProduct(V(repeating: ap[0]), b0)
            c1 = c1.addingProduct(V(repeating: ap[1]), b0)
            c2 = c2.addingProduct(V(repeating: ap[2]), b0)
            c3 = c3.addingProduct(V(repeating: ap[3]), b0)
            c4 = c4.addingProduct(V(repeating: ap[4]), b0)
            c5 = c5.addingProduct(V(repeating: ap[5]), b0)
            ap += 6
            bp += 64
        }
        if alpha != 1 {
            let s = V(repeating: alpha)
            c0 *= s; c1 *= s; c2 *= s; c3 *= s; c4 *= s; c5 *= s
        }
        let zero = V()
        storePartialRow(c0, zero, c, nr: nr, addend: addend, bias: bias?[0], relu: relu)
        if mr > 1 { storePartialRow(c1, zero, c + ldc, nr: nr, addend: addend.map { $0 + ldc }, bias: bias?[1], relu: relu) }
        if mr > 2 { storePartialRow(c2, zero, c + 2 * ldc, nr: nr, addend: addend.map { $0 + 2 * ldc }, bias: bias?[2], relu: relu) }
        if mr > 3 { storePartialRow(c3, zero, c + 3 * ldc, nr: nr, addend: addend.map { $0 + 3 * ldc }, bias: bias?[3], relu: relu) }
        if mr > 4 { storePartialRow(c4, zero, c + 4 * ldc, nr: nr, addend: addend.map { $0 + 4 * ldc }, bias: bias?[4], relu: relu) }
        if mr > 5 { storePartialRow(c5, zero, c + 5 * ldc, nr: nr, addend: addend.map { $0 + 5 * ldc }, bias: bias?[5], relu: relu) }
    }

    /// A last strip of 2–4 columns (N = 196 leaves four): six 4-wide accumulators. On
    /// cores with 128-bit FMA pipes (Zen 1) a 4-wide FMA is half the work of an 8-wide one,
    /// so this tile costs half the 6×8 one.
    @inline(never)
    static func microKernel6x4(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                               c: UnsafeMutablePointer<Float>, ldc: Int, mr: Int, nr: Int,
                               alpha: Float, addend: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, relu: Bool) {
        typealias V = SIMD4<Float>
        // Even and odd depth steps in separate accumulators: six chains of 4-wide FMAs
        // waited out the FMA latency (5 cycles) where the pipes take six in three.
        var e = (V(), V(), V(), V(), V(), V()), o = (V(), V(), V(), V(), V(), V())
        @inline(__always) func step(_ s: inout (V, V, V, V, V, V), _ ap: UnsafePointer<Float>, _ bp: UnsafeRawPointer) {
            let b0 = bp.loadUnaligned(as: V.self)
            s.0 = s.0.addingProduct(V(repeating: ap[0]), b0)
            s.1 = s.1.addingProduct(V(repeating: ap[1]), b0)
            s.2 = s.2.addingProduct(V(repeating: ap[2]), b0)
            s.3 = s.3.addingProduct(V(repeating: ap[3]), b0)
            s.4 = s.4.addingProduct(V(repeating: ap[4]), b0)
            s.5 = s.5.addingProduct(V(repeating: ap[5]), b0)
        }
        var ap = a
        var bp = UnsafeRawPointer(b)
        var n = kc
        while n >= 2 {
            step(&e, ap, bp); step(&o, ap + 6, bp + 64)
            ap += 12
            bp += 128
            n -= 2
        }
        if n > 0 { step(&e, ap, bp) }
        let c0 = e.0 + o.0, c1 = e.1 + o.1, c2 = e.2 + o.2, c3 = e.3 + o.3, c4 = e.4 + o.4, c5 = e.5 + o.5
        @inline(__always) func store(_ i: Int, _ v: V) {
            storePartialRow(SIMD8(lowHalf: v * alpha, highHalf: V()), SIMD8(), c + i * ldc, nr: nr,
                            addend: addend.map { $0 + i * ldc }, bias: bias?[i], relu: relu)
        }
        store(0, c0)
        if mr > 1 { store(1, c1) }
        if mr > 2 { store(2, c2) }
        if mr > 3 { store(3, c3) }
        if mr > 4 { store(4, c4) }
        if mr > 5 { store(5, c5) }
    }

    /// A last strip of one column (N = 49 leaves one, as do 55² planes): a matrix-vector
    /// product, the panel's six rows of A against one broadcast B value per depth step,
    /// where the 6×8 tile would spend eight lanes on it. Four depth steps go into four
    /// accumulator pairs: with one pair every step waited out the FMA latency (5 cycles
    /// on Zen 1), so by cycle count (5 against 12 a depth step) a 1-column tile cost 42 %
    /// of a 16-column one, 12 % of ResNet-50's 7² 1×1 convs for 2 % of their output;
    /// measured alone, 7² 2048→512 got 6 % faster.
    @inline(never)
    static func microKernel6x1(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                               c: UnsafeMutablePointer<Float>, ldc: Int, mr: Int,
                               alpha: Float, addend: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, relu: Bool) {
        typealias L = SIMD4<Float>
        typealias H = SIMD2<Float>
        var lo0 = L(), lo1 = L(), lo2 = L(), lo3 = L()
        var hi0 = H(), hi1 = H(), hi2 = H(), hi3 = H()
        var ap = UnsafeRawPointer(a)
        var bp = b
        var n = kc
        while n >= 4 {
            lo0 = lo0.addingProduct(ap.loadUnaligned(as: L.self), L(repeating: bp[0]))
            hi0 = hi0.addingProduct(ap.loadUnaligned(fromByteOffset: 16, as: H.self), H(repeating: bp[0]))
            lo1 = lo1.addingProduct(ap.loadUnaligned(fromByteOffset: 24, as: L.self), L(repeating: bp[16]))
            hi1 = hi1.addingProduct(ap.loadUnaligned(fromByteOffset: 40, as: H.self), H(repeating: bp[16]))
            lo2 = lo2.addingProduct(ap.loadUnaligned(fromByteOffset: 48, as: L.self), L(repeating: bp[32]))
            hi2 = hi2.addingProduct(ap.loadUnaligned(fromByteOffset: 64, as: H.self), H(repeating: bp[32]))
            lo3 = lo3.addingProduct(ap.loadUnaligned(fromByteOffset: 72, as: L.self), L(repeating: bp[48]))
            hi3 = hi3.addingProduct(ap.loadUnaligned(fromByteOffset: 88, as: H.self), H(repeating: bp[48]))
            ap += 96
            bp += 64
            n -= 4
        }
        while n > 0 {
            lo0 = lo0.addingProduct(ap.loadUnaligned(as: L.self), L(repeating: bp[0]))
            hi0 = hi0.addingProduct(ap.loadUnaligned(fromByteOffset: 16, as: H.self), H(repeating: bp[0]))
            ap += 24
            bp += 16
            n -= 1
        }
        let lo = (lo0 + lo1) + (lo2 + lo3), hi = (hi0 + hi1) + (hi2 + hi3)
        for i in 0..<mr {
            var v = (i < 4 ? lo[i] : hi[i - 4]) * alpha + (bias?[i] ?? 0)
            if let addend { v += addend[i * ldc] }
            c[i * ldc] = relu && v < 0 ? 0 : v
        }
    }

    @inline(__always)
    static func storeRow(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, addend: UnsafePointer<Float>?,
                         bias: Float?, relu: Bool) {
        var v0 = v0, v1 = v1
        let raw = UnsafeMutableRawPointer(p)
        if let bias { v0 += SIMD8(repeating: bias); v1 += SIMD8(repeating: bias) }
        if let addend {
            let a = UnsafeRawPointer(addend)
            v0 += a.loadUnaligned(as: SIMD8<Float>.self)
            v1 += a.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        }
        if relu {
            v0 = v0.replacing(with: 0, where: v0 .< 0)
            v1 = v1.replacing(with: 0, where: v1 .< 0)
        }
        raw.storeBytes(of: v0, as: SIMD8<Float>.self)
        raw.storeBytes(of: v1, toByteOffset: 32, as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func storePartialRow(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, nr: Int,
                                addend: UnsafePointer<Float>?, bias: Float?, relu: Bool) {
        let b = bias ?? 0
        for j in 0..<nr {
            let v = (j < 8 ? v0[j] : v1[j - 8]) + b
            let r = addend.map { $0[j] + v } ?? v
            p[j] = relu && r < 0 ? 0 : r
        }
    }
}
