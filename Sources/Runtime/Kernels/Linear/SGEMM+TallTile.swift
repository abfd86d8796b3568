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
                storeRow(v.lowHalf, v.highHalf, c + at, addend: addend.map { $0 + at }, bias: bias?[i], relu: relu)
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
