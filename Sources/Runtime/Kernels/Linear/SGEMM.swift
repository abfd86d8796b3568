import CKernels

/// Packed single-precision matrix multiply, BLIS style: C (M×N) = alpha · A (M×K) · B (K×N),
/// stored or added to C, with an optional per-row bias.
///
/// A is cut into panels of `mr` rows and B into panels of `nr` columns; a 6×16 register tile
/// (12 `SIMD8<Float>` accumulators, FMA) runs over `kc`-deep slices. Blocking: a `kc`×`nc` block
/// of B stays in L2/L3, a `kc`×16 B panel in L1, an `mc`×`kc` block of A in L2. Constant
/// operands are packed once (`SGEMM.packA` / `SGEMM.packB`); others are packed per call
/// into the caller's scratch. The AVX-512 build runs two panels of each as one tile
/// (12×16 and 12×32 of `SIMD16<Float>`, `SGEMM+TallTile.swift`) with the same packing.
/// See BLIS: "Anatomy of High-Performance Matrix Multiplication" (Goto, van de Geijn, 2008).
enum SGEMM {
    static let mr = 6
    static let nr = 16
    static let kc = 256
    static let mc = 120
    static let nc = 2048

    @inline(__always) static func roundUp(_ x: Int, _ m: Int) -> Int { (x + m - 1) / m * m }

    /// Floats of a fully packed A (M×K): for each k block, ceil(M/mr) panels of kc×mr.
    static func packedACount(m: Int, k: Int) -> Int { roundUp(m, mr) * k }
    /// Floats of a fully packed B (K×N).
    static func packedBCount(k: Int, n: Int) -> Int { roundUp(n, nr) * k }

    /// Floats of scratch one thread needs for operands packed at run time.
    static func scratchFloatsPerThread(m: Int, n: Int, k: Int, packsA: Bool, packsB: Bool) -> Int {
        let kcMax = min(kc, max(k, 1))
        var f = 0
        if packsA { f += min(roundUp(m, mr), mc + mr) * kcMax }
        if packsB { f += min(roundUp(n, nr), nc) * kcMax }
        return roundUp(f, 16)
    }

    /// Total scratch bytes for `threads` threads.
    static func scratchBytes(m: Int, n: Int, k: Int, packsA: Bool, packsB: Bool, threads: Int) -> Int {
        scratchFloatsPerThread(m: m, n: n, k: k, packsA: packsA, packsB: packsB) * max(threads, 1) * 4
    }
}

/// Where the GEMM reads A from.
enum SGEMMOperandA {
    /// Packed by `SGEMM.packA` (whole matrix).
    case packed(UnsafePointer<Float>)
    /// Element (i, k) at `base[i * rowStride + k * colStride]`.
    case strided(UnsafePointer<Float>, rowStride: Int, colStride: Int)
}

/// Where the GEMM reads B from.
enum SGEMMOperandB {
    /// Packed by `SGEMM.packB` (whole matrix).
    case packed(UnsafePointer<Float>)
    /// Element (k, j) at `base[k * rowStride + j * colStride]`.
    case strided(UnsafePointer<Float>, rowStride: Int, colStride: Int)
    /// The im2col matrix of one image and channel group, generated while packing.
    case im2col(Im2colGeometry, UnsafePointer<Float>)

    var needsPacking: Bool { if case .packed = self { false } else { true } }
}

/// What happens to the product before it lands in C.
struct SGEMMEpilogue {
    /// Multiplies A·B.
    var alpha: Float = 1
    /// Adds to C's previous contents instead of overwriting them.
    var accumulate = false
    /// Added to every element of row i (length M).
    var rowBias: UnsafePointer<Float>? = nil
    /// Clamps the result at zero (a fused Relu), after bias and accumulation.
    var relu = false
    /// Added to the result (layout and stride of C) when C's previous contents are not: a
    /// fused residual Add, read as each tile of the first depth block is stored.
    var residual: UnsafePointer<Float>? = nil
}

extension SGEMM {
    /// C = epilogue(A · B). `scratch` holds `scratchFloatsPerThread` floats for each of
    /// `slots` threads; work is split over min(slots, pool.threadCount) tasks.
    static func multiply(m: Int, n: Int, k: Int, a: SGEMMOperandA, b: SGEMMOperandB,
                         c: UnsafeMutablePointer<Float>, ldc: Int, epilogue: SGEMMEpilogue,
                         scratch: UnsafeMutablePointer<Float>, slots: Int, pool: ThreadPool) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m {
                let bias = epilogue.rowBias?[i] ?? 0
                for j in 0..<n {
                    let v = (epilogue.accumulate ? c[i * ldc + j] : 0) + bias
                    c[i * ldc + j] = epilogue.relu && v < 0 ? 0 : v
                }
            }
            return
        }
        var packsA = true
        if case .packed = a { packsA = false }
        let perThread = scratchFloatsPerThread(m: m, n: n, k: k, packsA: packsA, packsB: b.needsPacking)
        let mPanels = (m + mr - 1) / mr, nPanels = (n + nr - 1) / nr
        let flops = m * n * k
        // Small products are not worth waking threads for.
        let tasks = flops < 1 << 17 ? 1 : min(max(1, min(slots, pool.threadCount)), max(mPanels, nPanels))
        if tasks == 1 {
            block(rows: 0..<m, cols: 0..<n, m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, epilogue: epilogue, scratch: scratch)
            return
        }
        // Split the dimension with more panels; N first when B is packed at run time so
        // that each thread packs only its own columns.
        let splitN = nPanels >= tasks && (nPanels >= mPanels || b.needsPacking && nPanels * 2 >= mPanels)
        pool.parallelFor(tasks) { t in
            let s = scratch + t * perThread
            if splitN {
                let p0 = nPanels * t / tasks, p1 = nPanels * (t + 1) / tasks
                if p0 < p1 {
                    block(rows: 0..<m, cols: p0 * nr..<min(n, p1 * nr), m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, epilogue: epilogue, scratch: s)
                }
            } else {
                let p0 = mPanels * t / tasks, p1 = mPanels * (t + 1) / tasks
                if p0 < p1 {
                    block(rows: p0 * mr..<min(m, p1 * mr), cols: 0..<n, m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, epilogue: epilogue, scratch: s)
                }
            }
        }
    }

    /// What a tile stored after one depth block adds and applies: C itself after the first
    /// block (or the caller's residual before it), the bias in the first, the Relu in the last.
    struct StoreStage {
        var addend: UnsafePointer<Float>?
        var bias: UnsafePointer<Float>?
        var relu: Bool
        /// The addend is the caller's residual, not C.
        var addsResidual: Bool

        init(_ e: SGEMMEpilogue, c: UnsafeMutablePointer<Float>, pc: Int, kcb: Int, k: Int) {
            let addsC = e.accumulate || pc > 0
            addsResidual = !addsC && e.residual != nil
            addend = addsC ? UnsafePointer(c) : e.residual
            bias = pc == 0 ? e.rowBias : nil
            relu = e.relu && pc + kcb >= k
        }
    }

    /// Depth k0..<k0+kc, columns j0..<j0+nc of B as packed panels: in place when B is
    /// packed, else packed into `buffer`.
    @inline(__always)
    static func bBlock(_ b: SGEMMOperandB, k0: Int, kc: Int, j0: Int, nc: Int, n: Int,
                       buffer: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        switch b {
        case let .packed(base): return base + k0 * roundUp(n, nr) + j0 * kc
        case let .strided(base, rs, cs):
            packB(base, rowStride: rs, colStride: cs, k0: k0, kc: kc, j0: j0, nc: nc, n: n, into: buffer)
        case let .im2col(geometry, input):
            geometry.pack(input, k0: k0, kc: kc, j0: j0, nc: nc, into: buffer)
        }
        return UnsafePointer(buffer)
    }

    /// One register tile of C at (row, col): narrower kernels for a last strip of at most
    /// 8, 4 or 1 columns, and a strip of 9–12 as an 8-column tile and a narrow one
    /// (SqueezeNet's 13² and 27² planes leave 9: by cycle count 7 a depth step instead of 12).
    @inline(__always)
    static func tile(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                     row: Int, col: Int, mr: Int, nr: Int, alpha: Float, stage: StoreStage) {
        if nr > 8 && nr <= 12 {
            narrowTile(kc: kc, a: a, b: b, c: c, ldc: ldc, row: row, col: col, mr: mr, nr: 8, alpha: alpha, stage: stage)
            narrowTile(kc: kc, a: a, b: b + 8, c: c, ldc: ldc, row: row, col: col + 8, mr: mr, nr: nr - 8, alpha: alpha, stage: stage)
            return
        }
        narrowTile(kc: kc, a: a, b: b, c: c, ldc: ldc, row: row, col: col, mr: mr, nr: nr, alpha: alpha, stage: stage)
    }

    /// `tile` for a strip of at most 8 columns (b still a 16-wide panel) or a full one.
    @inline(__always)
    static func narrowTile(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                           row: Int, col: Int, mr: Int, nr: Int, alpha: Float, stage: StoreStage) {
        let at = row * ldc + col
        if nr == 1 {
            microKernel6x1(kc: kc, a: a, b: b, c: c + at, ldc: ldc, mr: mr, alpha: alpha,
                           addend: stage.addend.map { $0 + at }, bias: stage.bias.map { $0 + row }, relu: stage.relu)
        } else if nr <= 4 {
            microKernel6x4(kc: kc, a: a, b: b, c: c + at, ldc: ldc, mr: mr, nr: nr, alpha: alpha,
                           addend: stage.addend.map { $0 + at }, bias: stage.bias.map { $0 + row }, relu: stage.relu)
        } else if nr <= 8 {
            microKernel6x8(kc: kc, a: a, b: b, c: c + at, ldc: ldc, mr: mr, nr: nr, alpha: alpha,
                           addend: stage.addend.map { $0 + at }, bias: stage.bias.map { $0 + row }, relu: stage.relu)
        } else {
            microKernel6x16(kc: kc, a: a, b: b, c: c + at, ldc: ldc, mr: mr, nr: nr, alpha: alpha,
                            addend: stage.addend.map { $0 + at }, bias: stage.bias.map { $0 + row }, relu: stage.relu)
        }
    }

    /// Packed A up to this size stays in L2 whole (half of Zen 1's 512 KB, as for
    /// `DirectConvPlan.tileOuterWeightBytes`), and `blockByStrip` runs instead of `block`.
    static let stripOrderABytes = 256 << 10

    /// Whether a product with constant (packed) A and B packed at run time goes strip by
    /// strip (`blockByStrip`).
    static func usesStripOrder(m: Int, k: Int) -> Bool { roundUp(m, mr) * k * 4 <= stripOrderABytes }

    /// How many row panels ahead a fused residual's lines are prefetched.
    static let residualPrefetchPanels = 2

    /// Prefetches the residual lines of the tile `residualPrefetchPanels` panels below
    /// (row, col) in the same strip, when this depth block adds the residual. Why: a
    /// strip's tiles read one line from each of M rows of the residual, too many streams
    /// for the hardware prefetcher, and each is a load miss the tile's store waits on.
    /// Stores miss too, but they wait in the store buffer; prefetching C as well gained
    /// nothing. ResNet-50's three 56² 64→256 convs with a fused residual went from
    /// 3.6–3.75 to 3.2–3.3 ms (the one without a residual takes 3.1).
    @inline(__always)
    static func prefetchResidual(_ stage: StoreStage, ldc: Int, row: Int, rows: Range<Int>, col: Int, width: Int) {
        guard stage.addsResidual else { return }
        let ahead = row + residualPrefetchPanels * mr
        guard ahead < rows.upperBound, let addend = stage.addend else { return }
        ck_prefetch_strip(addend + ahead * ldc + col, ldc * 4, Int32(min(mr, rows.upperBound - ahead)), Int32(width * 4))
    }

    /// The serial loop over one rectangle of C when all of packed A stays in L2: one
    /// 16-column strip of B packed at a time (it stays in L1) against every row panel.
    /// Why: with a small A (1×1 convs with few channels: ResNet-50's 64↔256, SqueezeNet's
    /// squeeze and expand, ShuffleNet's groups) `block` packs a 2 MB block of B that
    /// leaves L2 before its strips are read back. Strip by strip, B's source is read once
    /// and its packed copy never leaves L1. With cold caches (`scripts/bench-linear.sh
    /// resnet --cold`), alternating with `block` run by run in one process: 2–6 % faster
    /// on ResNet's 56² 64→256 conv, 7–13 % on its 256→64 one, even on its 28² 512→128
    /// one (A of 256 KB). A full strip of a row-major B is packed by the tile of its first
    /// row panel (`microKernel6x16Packing`), not in a pass of its own.
    static func blockByStrip(rows: Range<Int>, cols: Range<Int>, m: Int, n: Int, k: Int,
                             a: UnsafePointer<Float>, b: SGEMMOperandB, c: UnsafeMutablePointer<Float>, ldc: Int,
                             epilogue: SGEMMEpilogue, scratch: UnsafeMutablePointer<Float>) {
        let mPad = roundUp(m, mr)
        var jc = cols.lowerBound
        while jc < cols.upperBound {
            let width = min(nr, cols.upperBound - jc)
            #if PICOJOULE_AVX512
            if cols.upperBound - jc >= 2 * nr, rows.count > mr {
                // A 32-column double strip: both panels packed by its first tile when B is
                // row-major, else by `bBlock`.
                var pc = 0
                while pc < k {
                    let kcb = min(kc, k - pc)
                    let stage = StoreStage(epilogue, c: c, pc: pc, kcb: kcb, k: k)
                    var packFrom: (UnsafePointer<Float>, Int)?
                    let b0: UnsafePointer<Float>
                    if case let .strided(base, rs, 1) = b {
                        packFrom = (base + pc * rs + jc, rs)
                        b0 = UnsafePointer(scratch)
                    } else {
                        b0 = bBlock(b, k0: pc, kc: kcb, j0: jc, nc: 2 * nr, n: n, buffer: scratch)
                    }
                    wideRows(kc: kcb, a: a + pc * mPad + rows.lowerBound * kcb, rows: rows, aRow0: rows.lowerBound, b0: b0,
                             b1: b0 + kcb * nr, packFrom: packFrom, c: c, ldc: ldc, col: jc, alpha: epilogue.alpha, stage: stage)
                    pc += kcb
                }
                jc += 2 * nr
                continue
            }
            #endif
            var pc = 0
            while pc < k {
                let kcb = min(kc, k - pc)
                let stage = StoreStage(epilogue, c: c, pc: pc, kcb: kcb, k: k)
                let aBlock = a + pc * mPad
                var row = rows.lowerBound
                let bPanel: UnsafePointer<Float>
                if case let .strided(base, rs, 1) = b, width == nr, rows.count >= mr {
                    // The first row panel packs the strip as it reads it.
                    let at = row * ldc + jc
                    prefetchResidual(stage, ldc: ldc, row: row, rows: rows, col: jc, width: width)
                    if tallPackingTile(kc: kcb, a: aBlock + row * kcb, b: base + pc * rs + jc, bRowStride: rs, packInto: scratch,
                                       c: c, ldc: ldc, row: row, col: jc, rows: rows.count, alpha: epilogue.alpha, stage: stage) {
                        prefetchResidual(stage, ldc: ldc, row: row + mr, rows: rows, col: jc, width: width)
                        row += 2 * mr
                    } else {
                        microKernel6x16Packing(kc: kcb, a: aBlock + row * kcb, b: base + pc * rs + jc, bRowStride: rs, packInto: scratch,
                                               c: c + at, ldc: ldc, alpha: epilogue.alpha, addend: stage.addend.map { $0 + at },
                                               bias: stage.bias.map { $0 + row }, relu: stage.relu)
                        row += mr
                    }
                    bPanel = UnsafePointer(scratch)
                } else {
                    bPanel = bBlock(b, k0: pc, kc: kcb, j0: jc, nc: width, n: n, buffer: scratch)
                }
                while row < rows.upperBound {
                    prefetchResidual(stage, ldc: ldc, row: row, rows: rows, col: jc, width: width)
                    if tallTile(kc: kcb, a: aBlock + row * kcb, b: bPanel, c: c, ldc: ldc, row: row, col: jc,
                                mr: rows.upperBound - row, nr: width, alpha: epilogue.alpha, stage: stage) {
                        prefetchResidual(stage, ldc: ldc, row: row + mr, rows: rows, col: jc, width: width)
                        row += 2 * mr
                        continue
                    }
                    tile(kc: kcb, a: aBlock + row * kcb, b: bPanel, c: c, ldc: ldc, row: row, col: jc,
                         mr: min(mr, rows.upperBound - row), nr: width, alpha: epilogue.alpha, stage: stage)
                    row += mr
                }
                pc += kcb
            }
            jc += nr
        }
    }

    /// The serial BLIS loop nest over one rectangle of C whose origin is panel aligned.
    static func block(rows: Range<Int>, cols: Range<Int>, m: Int, n: Int, k: Int,
                      a: SGEMMOperandA, b: SGEMMOperandB, c: UnsafeMutablePointer<Float>, ldc: Int,
                      epilogue: SGEMMEpilogue, scratch: UnsafeMutablePointer<Float>) {
        let mPad = roundUp(m, mr)
        if case let .packed(aBase) = a, b.needsPacking, usesStripOrder(m: m, k: k) {
            blockByStrip(rows: rows, cols: cols, m: m, n: n, k: k, a: aBase, b: b, c: c, ldc: ldc, epilogue: epilogue, scratch: scratch)
            return
        }
        let aBuffer = scratch
        var bBuffer = scratch
        if case .packed = a {} else { bBuffer = scratch + min(mPad, mc + mr) * min(kc, k) }
        var jc = cols.lowerBound
        while jc < cols.upperBound {
            let ncb = min(nc, cols.upperBound - jc)
            var pc = 0
            while pc < k {
                let kcb = min(kc, k - pc)
                let bPanels = Self.bBlock(b, k0: pc, kc: kcb, j0: jc, nc: ncb, n: n, buffer: bBuffer)
                let stage = StoreStage(epilogue, c: c, pc: pc, kcb: kcb, k: k)
                var ic = rows.lowerBound
                let mcb = rows.count <= mc + mr ? rows.count : mc
                while ic < rows.upperBound {
                    let mcc = min(mcb, rows.upperBound - ic)
                    let aBlock: UnsafePointer<Float>
                    switch a {
                    case let .packed(base): aBlock = base + pc * mPad + ic * kcb
                    case let .strided(base, rs, cs):
                        packA(base, rowStride: rs, colStride: cs, i0: ic, mc: mcc, k0: pc, kc: kcb, m: m, into: aBuffer)
                        aBlock = UnsafePointer(aBuffer)
                    }
                    var jr = 0
                    while jr < ncb {
                        #if PICOJOULE_AVX512
                        if ncb - jr >= 2 * nr, mcc > mr {
                            let b0 = bPanels + jr * kcb
                            wideRows(kc: kcb, a: aBlock, rows: ic..<ic + mcc, aRow0: ic, b0: b0, b1: b0 + kcb * nr, packFrom: nil,
                                     c: c, ldc: ldc, col: jc + jr, alpha: epilogue.alpha, stage: stage)
                            jr += 2 * nr
                            continue
                        }
                        #endif
                        let nrr = min(nr, ncb - jr)
                        var ir = 0
                        while ir < mcc {
                            prefetchResidual(stage, ldc: ldc, row: ic + ir, rows: ic..<ic + mcc, col: jc + jr, width: nrr)
                            if tallTile(kc: kcb, a: aBlock + ir * kcb, b: bPanels + jr * kcb, c: c, ldc: ldc, row: ic + ir,
                                        col: jc + jr, mr: mcc - ir, nr: nrr, alpha: epilogue.alpha, stage: stage) {
                                prefetchResidual(stage, ldc: ldc, row: ic + ir + mr, rows: ic..<ic + mcc, col: jc + jr, width: nrr)
                                ir += 2 * mr
                                continue
                            }
                            tile(kc: kcb, a: aBlock + ir * kcb, b: bPanels + jr * kcb, c: c, ldc: ldc, row: ic + ir, col: jc + jr,
                                 mr: min(mr, mcc - ir), nr: nrr, alpha: epilogue.alpha, stage: stage)
                            ir += mr
                        }
                        jr += nr
                    }
                    ic += mcc
                }
                pc += kcb
            }
            jc += ncb
        }
    }
}

