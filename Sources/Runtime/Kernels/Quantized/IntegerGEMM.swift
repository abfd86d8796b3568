import CKernels

/// Exact integer matrix multiply for the quantized linear kernels:
/// C(i, j) = Σ_d (A(i, d) − zA(i)) · (B(d, j) − zB(j)), accumulated in int32, then stored
/// as int32, requantized to int8/uint8, or scaled to float (`IntegerEpilogue`).
///
/// Zero points are subtracted while the 8-bit operands are widened to int16 for
/// vpmaddwd (`ck_gemm_i16_6x16`), so the inner loop is pure products and needs no
/// row/column-sum correction: the widening pass exists anyway, and (a − zA) stays in
/// −255…255, where a pair of products cannot saturate or wrap int32.
///
/// Blocking: the whole depth K runs in one micro-kernel call (no K blocks, so every tile
/// leaves the kernel finished and is requantized at once). The operand held in its own
/// layout (weights, packed once at prepare) is read panel by panel; the other one is packed
/// at run time in chunks of about `chunkBytes` per thread, which stay in L2 while every
/// panel of the packed operand passes over them.
enum IntegerGEMM {
    static let mr = Int(CK_GEMM_MR)
    static let nr = Int(CK_GEMM_NR)
    /// Bytes of one run-time packed chunk (per thread).
    static let chunkBytes = 96 * 1024

    @inline(__always) static func roundUp(_ x: Int, _ m: Int) -> Int { (x + m - 1) / m * m }
    /// int32 words per packed depth step: two depths of int16 per word.
    @inline(__always) static func pairs(_ k: Int) -> Int { (k + 1) / 2 }
    /// Words of a fully packed A (M×K): ceil(M/6) panels of pairs(K)×6.
    static func packedAWords(m: Int, k: Int) -> Int { roundUp(m, mr) * pairs(k) }
    /// Words of a fully packed B (K×N): ceil(N/16) panels of pairs(K)×16.
    static func packedBWords(k: Int, n: Int) -> Int { roundUp(n, nr) * pairs(k) }
}

/// Zero point(s) of one 8-bit operand: none, one per tensor (`stride` 0) or one per row of
/// A / column of B (`stride` 1), read from the raw uint8/int8 tensor at run time.
struct IntegerZeroPoint {
    var base: UnsafeRawPointer?
    var signed: Bool
    var stride: Int

    static var none: IntegerZeroPoint { IntegerZeroPoint(base: nil, signed: false, stride: 0) }

    @inline(__always) func value(_ i: Int) -> Int16 {
        guard let base else { return 0 }
        let byte = base.load(fromByteOffset: i * stride, as: UInt8.self)
        return signed ? Int16(Int8(bitPattern: byte)) : Int16(byte)
    }

    var isPerTensor: Bool { base == nil || stride == 0 }
}

/// An int8 or uint8 matrix in memory: element (r, c) at `base[r * rowStride + c * colStride]`.
/// For A, r is the row i and c the depth; for B, r is the depth and c the column j.
/// The zero point runs along A's rows or B's columns.
struct IntegerMatrix {
    var base: UnsafeRawPointer
    var rowStride: Int, colStride: Int
    var signed: Bool
    var zeroPoint: IntegerZeroPoint
}

/// Where the GEMM reads A (M×K) from.
enum IntegerOperandA {
    /// Whole matrix packed by `IntegerGEMM.packA` (zero points already subtracted).
    case packed(UnsafePointer<Int32>)
    case matrix(IntegerMatrix)
}

/// Where the GEMM reads B (K×N) from.
enum IntegerOperandB {
    /// Whole matrix packed by `IntegerGEMM.packB` (zero points already subtracted).
    case packed(UnsafePointer<Int32>)
    case matrix(IntegerMatrix)
    /// The im2col matrix of one image's channel group, read from a copy of its planes padded
    /// with the zero point (so no tap needs a bounds check) and generated while packing.
    case paddedIm2col(IntegerPaddedIm2col)
}

/// The im2col matrix over zero-point-padded planes: depth row d of output pixel (oh, ow) is
/// the byte at `base + rowOffsets[d] + oh · strideH · pitch + ow · strideW`.
struct IntegerPaddedIm2col {
    var base: UnsafeRawPointer
    var signed: Bool
    var zeroPoint: Int16
    var rowOffsets: UnsafePointer<Int>
    var depth: Int, columns: Int, outW: Int
    var strideH: Int, strideW: Int, pitch: Int
}

/// How the operands are laid out for one multiply, a pure function of the shapes and of
/// which operands come packed, so `prepare` sizes exactly the scratch `multiply` uses.
struct IntegerGEMMPlan {
    enum Mode { case rowChunks, columnChunks }
    /// rowChunks: B is (or is made) fully packed and A is packed per chunk of rows;
    /// columnChunks: A is fully packed and B is packed per chunk of columns.
    var mode: Mode
    /// Both operands come unpacked: the smaller is packed whole into shared scratch first.
    var packsWhole: Bool
    var sharedWords: Int
    /// Rows (rowChunks) or columns (columnChunks) per chunk, a multiple of the panel size.
    var chunk: Int
    var chunkWords: Int
    var tasks: Int

    init(m: Int, n: Int, k: Int, aPacked: Bool, bPacked: Bool, slots: Int) {
        let g = IntegerGEMM.self
        let kp = max(g.pairs(k), 1)
        if bPacked || (!aPacked && n <= m) {
            mode = .rowChunks
        } else {
            mode = .columnChunks
        }
        packsWhole = !aPacked && !bPacked
        sharedWords = !packsWhole ? 0 : (mode == .rowChunks ? g.packedBWords(k: k, n: n) : g.packedAWords(m: m, k: k))
        let work = m * n * max(k, 1)
        let threads = work < 1 << 17 ? 1 : max(1, slots)
        let (extent, panel) = mode == .rowChunks ? (m, g.mr) : (n, g.nr)
        let fits = max(panel, g.chunkBytes / (4 * kp) / panel * panel)
        let even = g.roundUp((extent + threads - 1) / threads, panel)
        chunk = max(panel, min(fits, even, g.roundUp(extent, panel)))
        // A chunk needs packing unless its operand is already packed.
        let chunkPacked = mode == .rowChunks ? aPacked : bPacked
        chunkWords = chunkPacked ? 0 : chunk * kp
        tasks = threads
    }

    /// Words of scratch per task: its chunk and one 6×16 int32 tile for the epilogue.
    var wordsPerTask: Int { IntegerGEMM.roundUp(chunkWords + IntegerGEMM.mr * IntegerGEMM.nr, 16) }
    var scratchBytes: Int { (IntegerGEMM.roundUp(sharedWords, 16) + wordsPerTask * tasks) * 4 }
}

extension IntegerGEMM {
    /// Scratch `multiply` needs for these shapes and operand kinds.
    static func scratchBytes(m: Int, n: Int, k: Int, aPacked: Bool, bPacked: Bool, slots: Int) -> Int {
        IntegerGEMMPlan(m: m, n: n, k: k, aPacked: aPacked, bPacked: bPacked, slots: slots).scratchBytes
    }

    /// C = epilogue(Σ (A − zA)(B − zB)). `scratch` holds `scratchBytes(…, slots:)` bytes;
    /// work is split over min(slots, pool.threadCount) tasks.
    static func multiply(m: Int, n: Int, k: Int, a: IntegerOperandA, b: IntegerOperandB, epilogue: IntegerEpilogue,
                         scratch: UnsafeMutableRawPointer, slots: Int, pool: ThreadPool) {
        if m == 0 || n == 0 { return }
        var aPacked: UnsafePointer<Int32>?, bPacked: UnsafePointer<Int32>?
        if case let .packed(p) = a { aPacked = p }
        if case let .packed(p) = b { bPacked = p }
        let plan = IntegerGEMMPlan(m: m, n: n, k: k, aPacked: aPacked != nil, bPacked: bPacked != nil, slots: slots)
        let words = scratch.assumingMemoryBound(to: Int32.self)
        let tasks = max(1, min(plan.tasks, pool.threadCount))
        if plan.packsWhole {
            // Pack the smaller operand once, shared by every task, its panels split over the tasks.
            let shared = words
            if plan.mode == .rowChunks {
                let panels = (n + nr - 1) / nr
                pool.parallelFor(min(tasks, panels)) { t in
                    let p0 = panels * t / min(tasks, panels), p1 = panels * (t + 1) / min(tasks, panels)
                    packB(b, k: k, n: n, j0: p0 * nr, count: min(n, p1 * nr) - p0 * nr, into: shared + p0 * nr * pairs(k))
                }
                bPacked = UnsafePointer(shared)
            } else {
                let panels = (m + mr - 1) / mr
                pool.parallelFor(min(tasks, panels)) { t in
                    let p0 = panels * t / min(tasks, panels), p1 = panels * (t + 1) / min(tasks, panels)
                    packA(a, m: m, k: k, i0: p0 * mr, count: min(m, p1 * mr) - p0 * mr, into: shared + p0 * mr * pairs(k))
                }
                aPacked = UnsafePointer(shared)
            }
        }
        let taskBase = words + roundUp(plan.sharedWords, 16)
        // Chunks of the run-time packed dimension; when there are fewer than tasks, the
        // other dimension's panels are split as well (each such task packs its own copy).
        let extent = plan.mode == .rowChunks ? m : n
        let chunks = (extent + plan.chunk - 1) / plan.chunk
        let otherPanels = plan.mode == .rowChunks ? (n + nr - 1) / nr : (m + mr - 1) / mr
        let slices = chunks >= tasks ? 1 : min(otherPanels, max(1, tasks / chunks))
        let units = chunks >= tasks ? tasks : chunks * slices
        let kp = pairs(k)
        let body = { (t: Int) in
            let area = taskBase + t * plan.wordsPerTask
            let tile = area + plan.chunkWords
            let c0: Int, c1: Int, o0: Int, o1: Int
            if slices == 1 {
                c0 = chunks * t / units; c1 = chunks * (t + 1) / units; o0 = 0; o1 = otherPanels
            } else {
                let c = t / slices, s = t % slices
                c0 = c; c1 = c + 1; o0 = otherPanels * s / slices; o1 = otherPanels * (s + 1) / slices
            }
            if c0 >= c1 || o0 >= o1 { return }
            for c in c0..<c1 {
                let start = c * plan.chunk, count = min(plan.chunk, extent - start)
                if plan.mode == .rowChunks {
                    let aBlock: UnsafePointer<Int32>
                    if let aPacked { aBlock = aPacked + start * kp } else {
                        packA(a, m: m, k: k, i0: start, count: count, into: area)
                        aBlock = UnsafePointer(area)
                    }
                    let bAll = bPacked!
                    for q in o0..<o1 {
                        let j = q * nr, bPanel = bAll + j * kp
                        var i = 0
                        while i < count {
                            tileProduct(kp: kp, a: aBlock + i * kp, b: bPanel, row: start + i, col: j,
                                        mr: min(mr, m - start - i), nr: min(nr, n - j), tile: tile, epilogue: epilogue)
                            i += mr
                        }
                    }
                } else {
                    let bBlock: UnsafePointer<Int32>
                    if let bPacked { bBlock = bPacked + start * kp } else {
                        packB(b, k: k, n: n, j0: start, count: count, into: area)
                        bBlock = UnsafePointer(area)
                    }
                    let aAll = aPacked!
                    for p in o0..<o1 {
                        let i = p * mr, aPanel = aAll + i * kp
                        var j = 0
                        while j < count {
                            tileProduct(kp: kp, a: aPanel, b: bBlock + j * kp, row: i, col: start + j,
                                        mr: min(mr, m - i), nr: min(nr, n - start - j), tile: tile, epilogue: epilogue)
                            j += nr
                        }
                    }
                }
            }
        }
        if units == 1 { body(0) } else { pool.parallelFor(units, body) }
    }

    /// One 6×16 tile over the full depth, then its epilogue.
    @inline(__always)
    static func tileProduct(kp: Int, a: UnsafePointer<Int32>, b: UnsafePointer<Int32>, row: Int, col: Int, mr: Int, nr: Int,
                            tile: UnsafeMutablePointer<Int32>, epilogue: IntegerEpilogue) {
        if case let .int32(out) = epilogue.output, epilogue.addend == nil {
            ck_gemm_i16_6x16(kp, a, b, out + row * epilogue.ldc + col, epilogue.ldc, Int32(mr), Int32(nr))
            return
        }
        ck_gemm_i16_6x16(kp, a, b, tile, IntegerGEMM.nr, Int32(mr), Int32(nr))
        epilogue.apply(tile, row: row, col: col, mr: mr, nr: nr)
    }
}
