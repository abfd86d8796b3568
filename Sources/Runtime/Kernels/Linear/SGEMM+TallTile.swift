import CKernels

#if PICOJOULE_AVX512
extension SGEMM {
    /// Runs a 12-row tile at (row, col) when 7–12 rows and 13–16 columns are left, and
    /// says whether it did (else the caller runs a 6-row `tile`).
    @inline(__always)
    static func tallTile(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                         row: Int, col: Int, mr rows: Int, nr: Int, alpha: Float, stage: StoreStage) -> Bool {
        guard rows > mr, nr > 12 else { return false }
        let at = row * ldc + col
        microKernel12x16(kc: kc, a0: a, a1: a + mr * kc, b: b, c: c + at, ldc: ldc, mr: min(rows, 2 * mr), nr: nr,
                         alpha: alpha, addend: stage.addend.map { $0 + at }, bias: stage.bias.map { $0 + row }, relu: stage.relu)
        return true
    }

    /// The packing 12-row tile of a strip's first row panels, when 12 rows are left.
    @inline(__always)
    static func tallPackingTile(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bRowStride: Int,
                                packInto: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                                row: Int, col: Int, rows: Int, alpha: Float, stage: StoreStage) -> Bool {
        guard rows >= 2 * mr else { return false }
        let at = row * ldc + col
        microKernel12x16Packing(kc: kc, a0: a, a1: a + mr * kc, b: b, bRowStride: bRowStride, packInto: packInto, c: c + at,
                                ldc: ldc, mr: 2 * mr, alpha: alpha, addend: stage.addend.map { $0 + at },
                                bias: stage.bias.map { $0 + row }, relu: stage.relu)
        return true
    }

    /// Two row panels against one 16-column strip: twelve `SIMD16<Float>` accumulators,
    /// one B vector and twelve broadcasts a depth step. Why: with 512-bit FMAs the 6×16
    /// tile is one vector a row, six chains, and an FMA's latency (4 cycles) times two
    /// pipes wants eight in flight; twelve rows keep both pipes busy without changing the
    /// packed layouts (A stays in 6-row panels, B in 16-column ones).
    ///
    /// `a0` and `a1` are consecutive kc×6 panels; rows `mr` (7…12) are stored, the rest
    /// of the second panel is padding.
    @inline(never)
    static func microKernel12x16(kc: Int, a0: UnsafePointer<Float>, a1: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                 c: UnsafeMutablePointer<Float>, ldc: Int, mr: Int, nr: Int,
                                 alpha: Float, addend: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, relu: Bool) {
        microKernel12x16Body(kc: kc, a0: a0, a1: a1, b: b, bRowBytes: 64, packInto: nil, c: c, ldc: ldc, mr: mr, nr: nr,
                             alpha: alpha, addend: addend, bias: bias, relu: relu)
    }

    /// `microKernel12x16` for a strip's first row panels, reading B from its row-major
    /// source and packing it as it goes (as `microKernel6x16Packing` does).
    @inline(never)
    static func microKernel12x16Packing(kc: Int, a0: UnsafePointer<Float>, a1: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                        bRowStride: Int, packInto: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
                                        ldc: Int, mr: Int, alpha: Float, addend: UnsafePointer<Float>?,
                                        bias: UnsafePointer<Float>?, relu: Bool) {
        microKernel12x16Body(kc: kc, a0: a0, a1: a1, b: b, bRowBytes: bRowStride * 4, packInto: UnsafeMutableRawPointer(packInto),
                             c: c, ldc: ldc, mr: mr, nr: 16, alpha: alpha, addend: addend, bias: bias, relu: relu)
    }

    @inline(__always)
    static func microKernel12x16Body(kc: Int, a0: UnsafePointer<Float>, a1: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                     bRowBytes: Int, packInto: UnsafeMutableRawPointer?, c: UnsafeMutablePointer<Float>,
                                     ldc: Int, mr: Int, nr: Int, alpha: Float, addend: UnsafePointer<Float>?,
                                     bias: UnsafePointer<Float>?, relu: Bool) {
        typealias V = SIMD16<Float>
        var r0 = V(), r1 = V(), r2 = V(), r3 = V(), r4 = V(), r5 = V()
        var r6 = V(), r7 = V(), r8 = V(), r9 = V(), r10 = V(), r11 = V()
        var ap = a0, aq = a1
        var bp = UnsafeRawPointer(b)
        var out = packInto
        for _ in 0..<kc {
            let v = bp.loadUnaligned(as: V.self)
            if let o = out {
                o.storeBytes(of: v, as: V.self)
                out = o + 64
            }
            r0 = r0.addingProduct(V(repeating: ap[0]), v)
            r1 = r1.addingProduct(V(repeating: ap[1]), v)
            r2 = r2.addingProduct(V(repeating: ap[2]), v)
            r3 = r3.addingProduct(V(repeating: ap[3]), v)
            r4 = r4.addingProduct(V(repeating: ap[4]), v)
            r5 = r5.addingProduct(V(repeating: ap[5]), v)
            r6 = r6.addingProduct(V(repeating: aq[0]), v)
            r7 = r7.addingProduct(V(repeating: aq[1]), v)
            r8 = r8.addingProduct(V(repeating: aq[2]), v)
            r9 = r9.addingProduct(V(repeating: aq[3]), v)
            r10 = r10.addingProduct(V(repeating: aq[4]), v)
            r11 = r11.addingProduct(V(repeating: aq[5]), v)
            ap += 6
            aq += 6
            bp += bRowBytes
        }
        if alpha != 1 {
            let s = V(repeating: alpha)
            r0 *= s; r1 *= s; r2 *= s; r3 *= s; r4 *= s; r5 *= s
            r6 *= s; r7 *= s; r8 *= s; r9 *= s; r10 *= s; r11 *= s
        }
        @inline(__always) func store(_ i: Int, _ v: V) {
            let at = i * ldc
            if nr == 16 {
                storeRow16(v, c + at, addend: addend.map { $0 + at }, bias: bias?[i], relu: relu)
            } else {
                storePartialRow(v.lowHalf, v.highHalf, c + at, nr: nr, addend: addend.map { $0 + at }, bias: bias?[i], relu: relu)
            }
        }
        store(0, r0); store(1, r1); store(2, r2); store(3, r3); store(4, r4); store(5, r5)
        store(6, r6)
        if mr > 7 { store(7, r7) }
        if mr > 8 { store(8, r8) }
        if mr > 9 { store(9, r9) }
        if mr > 10 { store(10, r10) }
        if mr > 11 { store(11, r11) }
    }
}
extension SGEMM {
    /// The rows `rows` of a 32-column double strip at `col`, whose two 16-column packed
    /// panels are `b0` and `b1`: 12-row tiles of 24 `SIMD16<Float>` accumulators (two B
    /// vectors and twelve broadcasts a depth step, against one and twelve for 12×16),
    /// then 6-row tiles per panel for a last panel of at most six rows. Why: the 12×16
    /// tile loads a value per FMA and ran ResNet-50's 1×1 convs at 75 % of the 512-bit
    /// FMA peak, where onnxruntime's 12×32 tile runs them at 85–95 %. When `packFrom` is
    /// set (a row-major B and its row stride), the first tile packs both panels from it.
    @inline(__always)
    static func wideRows(kc: Int, a: UnsafePointer<Float>, rows: Range<Int>, aRow0: Int, b0: UnsafePointer<Float>,
                         b1: UnsafePointer<Float>, packFrom: (UnsafePointer<Float>, Int)?, c: UnsafeMutablePointer<Float>,
                         ldc: Int, col: Int, alpha: Float, stage: StoreStage) {
        var row = rows.lowerBound
        var pack = packFrom
        while row < rows.upperBound {
            let left = rows.upperBound - row
            prefetchResidual(stage, ldc: ldc, row: row, rows: rows, col: col, width: 2 * nr)
            let ap = a + (row - aRow0) * kc
            if left > 8 {
                prefetchResidual(stage, ldc: ldc, row: row + mr, rows: rows, col: col, width: 2 * nr)
                let at = row * ldc + col
                microKernel12x32(kc: kc, a0: ap, a1: ap + mr * kc, b0: b0, b1: b1, pack: pack, c: c + at, ldc: ldc,
                                 mr: min(left, 2 * mr), alpha: alpha, addend: stage.addend.map { $0 + at },
                                 bias: stage.bias.map { $0 + row }, relu: stage.relu)
                pack = nil
                row += 2 * mr
            } else {
                if let (source, stride) = pack {
                    packB(source, rowStride: stride, colStride: 1, k0: 0, kc: kc, j0: 0, nc: 2 * nr, n: 2 * nr,
                          into: UnsafeMutablePointer(mutating: b0))
                    pack = nil
                }
                if left > mr {
                    // M = 32, 128, 512 leave 8 rows: sixteen accumulators, where the 12-row
                    // tile spent a third of its FMAs on rows past M.
                    prefetchResidual(stage, ldc: ldc, row: row + mr, rows: rows, col: col, width: 2 * nr)
                    let at = row * ldc + col
                    microKernel8x32(kc: kc, a0: ap, a1: ap + mr * kc, b0: b0, b1: b1, c: c + at, ldc: ldc, mr: left, alpha: alpha,
                                    addend: stage.addend.map { $0 + at }, bias: stage.bias.map { $0 + row }, relu: stage.relu)
                    row += left
                    continue
                }
                if left <= 4 {
                    // M = 64, 256, 1024 leave 4 rows: eight 512-bit accumulators, where two
                    // 4×16 tiles of 256-bit ones took twice the FMAs.
                    let at = row * ldc + col
                    microKernel4x32(kc: kc, a: ap, b0: b0, b1: b1, c: c + at, ldc: ldc, mr: left, alpha: alpha,
                                    addend: stage.addend.map { $0 + at }, bias: stage.bias.map { $0 + row }, relu: stage.relu)
                } else {
                    tile(kc: kc, a: ap, b: b0, c: c, ldc: ldc, row: row, col: col, mr: left, nr: nr, alpha: alpha, stage: stage)
                    tile(kc: kc, a: ap, b: b1, c: c, ldc: ldc, row: row, col: col + nr, mr: left, nr: nr, alpha: alpha, stage: stage)
                }
                row += mr
            }
        }
    }

    /// One row of 16: bias, addend (C or a residual) and Relu in 512-bit registers, one
    /// store instead of `storeRow`'s two.
    @inline(__always)
    static func storeRow16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, addend: UnsafePointer<Float>?, bias: Float?,
                           relu: Bool) {
        var v = v
        if let bias { v += SIMD16(repeating: bias) }
        if let addend { v += UnsafeRawPointer(addend).loadUnaligned(as: SIMD16<Float>.self) }
        if relu { v = v.replacing(with: 0, where: v .< 0) }
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    /// Row i of a 32-column tile (its two vectors), scaled by alpha, through `storeRow16`.
    @inline(__always)
    static func storeRow32(_ u: SIMD16<Float>, _ v: SIMD16<Float>, row i: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float,
                           addend: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, relu: Bool) {
        let at = i * ldc
        let u = alpha == 1 ? u : u * alpha, v = alpha == 1 ? v : v * alpha
        storeRow16(u, c + at, addend: addend.map { $0 + at }, bias: bias?[i], relu: relu)
        storeRow16(v, c + at + 16, addend: addend.map { $0 + at + 16 }, bias: bias?[i], relu: relu)
    }

    /// Up to four rows of a 6-row panel (`mr` of them stored) against 32 columns.
    @inline(never)
    static func microKernel4x32(kc: Int, a: UnsafePointer<Float>, b0: UnsafePointer<Float>, b1: UnsafePointer<Float>,
                                c: UnsafeMutablePointer<Float>, ldc: Int, mr: Int, alpha: Float, addend: UnsafePointer<Float>?,
                                bias: UnsafePointer<Float>?, relu: Bool) {
        typealias V = SIMD16<Float>
        var l0 = V(), l1 = V(), l2 = V(), l3 = V(), h0 = V(), h1 = V(), h2 = V(), h3 = V()
        var ap = a
        var p0 = UnsafeRawPointer(b0), p1 = UnsafeRawPointer(b1)
        for _ in 0..<kc {
            let u = p0.loadUnaligned(as: V.self), v = p1.loadUnaligned(as: V.self)
            var x = V(repeating: ap[0]); l0 = l0.addingProduct(x, u); h0 = h0.addingProduct(x, v)
            x = V(repeating: ap[1]); l1 = l1.addingProduct(x, u); h1 = h1.addingProduct(x, v)
            x = V(repeating: ap[2]); l2 = l2.addingProduct(x, u); h2 = h2.addingProduct(x, v)
            x = V(repeating: ap[3]); l3 = l3.addingProduct(x, u); h3 = h3.addingProduct(x, v)
            ap += 6
            p0 += 64
            p1 += 64
        }
        @inline(__always) func store(_ i: Int, _ u: V, _ v: V) {
            storeRow32(u, v, row: i, c: c, ldc: ldc, alpha: alpha, addend: addend, bias: bias, relu: relu)
        }
        store(0, l0, h0)
        if mr > 1 { store(1, l1, h1) }
        if mr > 2 { store(2, l2, h2) }
        if mr > 3 { store(3, l3, h3) }
    }

    /// Seven or eight rows (a 6-row panel and the first two of the next, `mr` of them
    /// stored) against 32 columns.
    @inline(never)
    static func microKernel8x32(kc: Int, a0: UnsafePointer<Float>, a1: UnsafePointer<Float>, b0: UnsafePointer<Float>,
                                b1: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, mr: Int, alpha: Float,
                                addend: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, relu: Bool) {
        typealias V = SIMD16<Float>
        var l0 = V(), l1 = V(), l2 = V(), l3 = V(), l4 = V(), l5 = V(), l6 = V(), l7 = V()
        var h0 = V(), h1 = V(), h2 = V(), h3 = V(), h4 = V(), h5 = V(), h6 = V(), h7 = V()
        var ap = a0, aq = a1
        var p0 = UnsafeRawPointer(b0), p1 = UnsafeRawPointer(b1)
        for _ in 0..<kc {
            let u = p0.loadUnaligned(as: V.self), v = p1.loadUnaligned(as: V.self)
            var x = V(repeating: ap[0]); l0 = l0.addingProduct(x, u); h0 = h0.addingProduct(x, v)
            x = V(repeating: ap[1]); l1 = l1.addingProduct(x, u); h1 = h1.addingProduct(x, v)
            x = V(repeating: ap[2]); l2 = l2.addingProduct(x, u); h2 = h2.addingProduct(x, v)
            x = V(repeating: ap[3]); l3 = l3.addingProduct(x, u); h3 = h3.addingProduct(x, v)
            x = V(repeating: ap[4]); l4 = l4.addingProduct(x, u); h4 = h4.addingProduct(x, v)
            x = V(repeating: ap[5]); l5 = l5.addingProduct(x, u); h5 = h5.addingProduct(x, v)
            x = V(repeating: aq[0]); l6 = l6.addingProduct(x, u); h6 = h6.addingProduct(x, v)
            x = V(repeating: aq[1]); l7 = l7.addingProduct(x, u); h7 = h7.addingProduct(x, v)
            ap += 6
            aq += 6
            p0 += 64
            p1 += 64
        }
        @inline(__always) func store(_ i: Int, _ u: V, _ v: V) {
            storeRow32(u, v, row: i, c: c, ldc: ldc, alpha: alpha, addend: addend, bias: bias, relu: relu)
        }
        store(0, l0, h0); store(1, l1, h1); store(2, l2, h2); store(3, l3, h3); store(4, l4, h4); store(5, l5, h5)
        store(6, l6, h6)
        if mr > 7 { store(7, l7, h7) }
    }

    /// Twelve rows (two 6-row panels, rows `mr` of them stored) against 32 columns (two
    /// 16-column panels). With `pack`, B is read from its row-major source (pointer and
    /// row stride in floats) and written into the panels `b0` and `b1` as it goes, and the
    /// next double strip's lines of each source row (the 128 bytes after this one's) are
    /// prefetched. Why: a strip reads one short stretch from each of K rows, too many
    /// streams for the hardware prefetcher, and in the model a squeeze conv's input has
    /// left L2 (SqueezeNet's 55² 128→16 reads a 1.5 MB concat). Per node on a Zen 4 core,
    /// 8 alternating rounds: its 55² 64→16 squeeze 0.082 → 0.070 ms, 128→16 0.132 → 0.122.
    @inline(never)
    static func microKernel12x32(kc: Int, a0: UnsafePointer<Float>, a1: UnsafePointer<Float>, b0: UnsafePointer<Float>,
                                 b1: UnsafePointer<Float>, pack: (UnsafePointer<Float>, Int)?, c: UnsafeMutablePointer<Float>,
                                 ldc: Int, mr: Int, alpha: Float, addend: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                                 relu: Bool) {
        typealias V = SIMD16<Float>
        var l0 = V(), l1 = V(), l2 = V(), l3 = V(), l4 = V(), l5 = V(), l6 = V(), l7 = V(), l8 = V(), l9 = V(), l10 = V(), l11 = V()
        var h0 = V(), h1 = V(), h2 = V(), h3 = V(), h4 = V(), h5 = V(), h6 = V(), h7 = V(), h8 = V(), h9 = V(), h10 = V(), h11 = V()
        var ap = a0, aq = a1
        @inline(__always) func step(_ u: V, _ v: V) {
            var x = V(repeating: ap[0]); l0 = l0.addingProduct(x, u); h0 = h0.addingProduct(x, v)
            x = V(repeating: ap[1]); l1 = l1.addingProduct(x, u); h1 = h1.addingProduct(x, v)
            x = V(repeating: ap[2]); l2 = l2.addingProduct(x, u); h2 = h2.addingProduct(x, v)
            x = V(repeating: ap[3]); l3 = l3.addingProduct(x, u); h3 = h3.addingProduct(x, v)
            x = V(repeating: ap[4]); l4 = l4.addingProduct(x, u); h4 = h4.addingProduct(x, v)
            x = V(repeating: ap[5]); l5 = l5.addingProduct(x, u); h5 = h5.addingProduct(x, v)
            x = V(repeating: aq[0]); l6 = l6.addingProduct(x, u); h6 = h6.addingProduct(x, v)
            x = V(repeating: aq[1]); l7 = l7.addingProduct(x, u); h7 = h7.addingProduct(x, v)
            x = V(repeating: aq[2]); l8 = l8.addingProduct(x, u); h8 = h8.addingProduct(x, v)
            x = V(repeating: aq[3]); l9 = l9.addingProduct(x, u); h9 = h9.addingProduct(x, v)
            x = V(repeating: aq[4]); l10 = l10.addingProduct(x, u); h10 = h10.addingProduct(x, v)
            x = V(repeating: aq[5]); l11 = l11.addingProduct(x, u); h11 = h11.addingProduct(x, v)
            ap += 6
            aq += 6
        }
        if let (source, stride) = pack {
            var sp = UnsafeRawPointer(source)
            var p0 = UnsafeMutableRawPointer(mutating: b0), p1 = UnsafeMutableRawPointer(mutating: b1)
            for _ in 0..<kc {
                let u = sp.loadUnaligned(as: V.self), v = sp.loadUnaligned(fromByteOffset: 64, as: V.self)
                ck_prefetch_l2(sp + 128); ck_prefetch_l2(sp + 192); ck_prefetch_l2(sp + 255)
                p0.storeBytes(of: u, as: V.self)
                p1.storeBytes(of: v, as: V.self)
                step(u, v)
                sp += stride * 4
                p0 += 64
                p1 += 64
            }
        } else {
            var p0 = UnsafeRawPointer(b0), p1 = UnsafeRawPointer(b1)
            for _ in 0..<kc {
                step(p0.loadUnaligned(as: V.self), p1.loadUnaligned(as: V.self))
                p0 += 64
                p1 += 64
            }
        }
        @inline(__always) func store(_ i: Int, _ u: V, _ v: V) {
            let at = i * ldc
            let s = V(repeating: alpha)
            let u = alpha == 1 ? u : u * s, v = alpha == 1 ? v : v * s
            storeRow16(u, c + at, addend: addend.map { $0 + at }, bias: bias?[i], relu: relu)
            storeRow16(v, c + at + 16, addend: addend.map { $0 + at + 16 }, bias: bias?[i], relu: relu)
        }
        store(0, l0, h0); store(1, l1, h1); store(2, l2, h2); store(3, l3, h3); store(4, l4, h4); store(5, l5, h5)
        store(6, l6, h6)
        if mr > 7 { store(7, l7, h7) }
        if mr > 8 { store(8, l8, h8) }
        if mr > 9 { store(9, l9, h9) }
        if mr > 10 { store(10, l10, h10) }
        if mr > 11 { store(11, l11, h11) }
    }
}
#else
extension SGEMM {
    /// The AVX2 build runs 6-row tiles only: 12 ymm accumulators already fill the pipes.
    @inline(__always)
    static func tallTile(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                         row: Int, col: Int, mr rows: Int, nr: Int, alpha: Float, stage: StoreStage) -> Bool { false }

    @inline(__always)
    static func tallPackingTile(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bRowStride: Int,
                                packInto: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                                row: Int, col: Int, rows: Int, alpha: Float, stage: StoreStage) -> Bool { false }
}
#endif
