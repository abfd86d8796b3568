import CKernels
import Model

/// Winograd F(2×2, 3×3) for 3×3 stride-1 convs padded by one on every side (same-size
/// output): each 2×2 output tile is A^T [(G g G^T) ⊙ (B^T d B)] A over its 4×4 input
/// patch d, so the 16 products of a tile replace the direct conv's 36 multiplies per
/// (input channel, output channel), 2.25 times fewer. The elementwise products of all
/// tiles are 16 GEMMs, one per position ξ of the 4×4 transform: M_ξ (Cout × tiles) =
/// U_ξ (Cout × Cin, the weights transformed and packed once at prepare) · V_ξ (Cin ×
/// tiles, the input transformed per run).
///
/// Why: on a Zen 3 core the direct 3×3 tile already ran at 85–92 % of the FMA peak, and
/// ResNet-50 and SqueezeNet stayed a few percent behind onnxruntime (which runs these
/// convs directly too); fewer multiplies is the remaining lever. Measured in the model
/// (docs/BENCHMARKS.md): ResNet-50's 56², 28² and 14² convs 1.35–1.57× faster than the
/// direct tile on a Zen 4 core, and its sum of per-node minimums 81.9 → 72.8 ms. The transforms add
/// about 4 adds per input value and 6 per output value, and V and M pass through
/// memory: tiles go in blocks of whole tile rows (`blockRows`) so that a block's V and M
/// stay near the core while its GEMMs read them.
///
/// The counts stay the model's (docs/COUNTING.md): Conv MACs are N·Cout·H·W·Cin·9
/// whatever this host's kernel multiplies. Rounding differs from the direct sum by a few
/// ulps of the transform's magnitudes (F(2×2, 3×3) has the smallest error of the
/// Winograd family; larger tiles were not taken for that reason).
struct WinogradConvPlan: Sendable {
    static let positions = 16
    /// Tiles a transform step handles, one per lane.
    static let lanes = 8
    /// A block takes whole tile rows up to about this many GEMM columns. Measured with
    /// 16, 32, 64 and 128 (`scripts/bench-linear.sh resnet`, Zen 3, 512 KB L2): 64 was
    /// fastest on ResNet-50's 56², 28² and 14² shapes; 16 and 32 re-read U_ξ too often.
    /// On a Zen 4 core (1 MB L2), SqueezeNet's 27² 32→128 convs with 28-column blocks (so
    /// that V and M stay in L2) ran 1.37× slower in calm phases and 1.69× in slow ones.
    static let targetColumns = 64
    /// A conv with more outputs than inputs (`widens`) takes M in chunks of output
    /// channels (`chunkChannels`, at most `chunkBytes`), and its block grows past
    /// `targetColumns` up to `maximumColumns` while V stays within `blockVBytes`.
    /// Why: SqueezeNet's 27² 32→128 convs (Zen 4, 1 MB L2; per node, 60–80 alternating
    /// rounds) kept V (143 KB), M (573 KB) and U (262 KB) of a 70-column block in L2 only
    /// with nothing else there, and a neighbour on the shared L3 slowed them 17–35 %
    /// where the compute-bound convs slowed 5–10 %. As one 196-column block with M in
    /// chunks of 24 channels they ran 9–12 % faster: each GEMM pads its columns to 16
    /// (70 → 80, 196 → 208) and each block's calls pay their packing and edge tiles again.
    /// Grown without chunks (M 1.6 MB) they were no faster; chunked at 70 columns, 0–3 %.
    /// ResNet-50's convs (Cout = Cin) stay as they were: chunked, 3 % slower, V_ξ being
    /// packed again per chunk. Fixed sizes rather than this host's L2: the block's
    /// columns decide which GEMM tile computes an output, and so its last bits, and a
    /// model's outputs should not depend on the host.
    static let maximumColumns = 256, blockVBytes = 512 << 10, chunkBytes = 256 << 10
    /// Input and output channels at least.
    static let minimumChannels = 32
    /// Plane rows and columns at least. With AVX-512 the direct tile is twice as wide and
    /// 13² planes stay on it: in SqueezeNet on a Zen 4 core (per node, 8 alternating
    /// rounds, 2026-12-04) Winograd ran its 13² 48→192 and 64→256 convs 3–9 % slower
    /// than direct, an odd side wasting the last half tile row and column (49 tiles cover
    /// 196 pixels for 169), while ResNet-50's 14² 256→256 ran 1.35–1.38× faster. On a Zen 3
    /// core (AVX2) the 13² convs ran 1.08–1.10× faster, so they keep it there.
    static var minimumSide: Int { KernelTarget.usesAVX512 ? 14 : 13 }

    var channels: Int, outChannels: Int, height: Int, width: Int
    var tilesH: Int, tilesW: Int
    /// GEMM columns one tile row takes: its tiles, or one 8-lane step (the lanes past
    /// the row's last tile are computed from zeros and never stored).
    var rowColumns: Int
    var blockRows: Int
    /// Floats of one deinterleaved half-row (even or odd padded columns), with room for
    /// a step that starts at the last tile.
    var halfRow: Int

    static func applies(_ s: ConvShape, residual: Bool) -> Bool {
        guard s.group == 1, !residual, s.kernelH == 3, s.kernelW == 3, s.strideH == 1, s.strideW == 1,
              s.dilationH == 1, s.dilationW == 1, s.padTop == 1, s.padLeft == 1, s.padBottom == 1, s.padRight == 1,
              s.outH == s.height, s.outW == s.width else { return false }
        // Below 13 columns (`minimumSide`) a tile row is under seven tiles and the 8-lane
        // step's padding eats the gain (7² planes: 512 products per channel pair against
        // 441 direct).
        // With few input channels the GEMMs are short (K = Cin) and the transforms cost
        // what they save: SqueezeNet's 55² 16→64 expands ran 3–8 % slower than direct.
        return s.height >= minimumSide && s.width >= minimumSide && s.inChannels >= minimumChannels && s.outChannels >= minimumChannels
    }

    init(_ s: ConvShape) {
        channels = s.inChannels; outChannels = s.outChannels; height = s.height; width = s.width
        tilesH = (s.height + 1) / 2; tilesW = (s.width + 1) / 2
        rowColumns = max(tilesW, Self.lanes)
        let widens = s.outChannels > s.inChannels
        let vColumnBytes = Self.positions * s.inChannels * 4
        let target = widens ? max(Self.targetColumns, min(Self.maximumColumns, Self.blockVBytes / vColumnBytes)) : Self.targetColumns
        let wanted = max(1, (target + rowColumns - 1) / rowColumns)
        let blocks = (tilesH + wanted - 1) / wanted
        blockRows = (tilesH + blocks - 1) / blocks
        halfRow = (rowColumns + 1 + 15) / 16 * 16
        chunkChannels = widens ? Self.chunkChannels(outChannels: outChannels, columns: blockRows * rowColumns) : outChannels
    }

    /// Output channels of a chunk whose M is at most `chunkBytes`, a multiple of the
    /// GEMM's panel rows, the chunks as even as that allows (all channels when M fits).
    static func chunkChannels(outChannels: Int, columns: Int) -> Int {
        let mBytes = outChannels * positions * columns * 4, bound = chunkBytes
        guard mBytes > bound else { return outChannels }
        let chunks = (mBytes + bound - 1) / bound, panel = SGEMM.mr
        let even = ((outChannels + chunks - 1) / chunks + panel - 1) / panel * panel
        return min(outChannels, even)
    }

    /// Output channels whose 16 GEMMs and output transform run before the next chunk's:
    /// M holds one chunk. A multiple of the GEMM's 6-row panel, so each chunk's U_ξ packs
    /// without padding rows but the last chunk's.
    ///
    /// All of them unless the conv `widens` (`maximumColumns`).
    var chunkChannels: Int

    var blocks: Int { (tilesH + blockRows - 1) / blockRows }
    var blockColumns: Int { blockRows * rowColumns }
    var chunks: Int { (outChannels + chunkChannels - 1) / chunkChannels }
    func chunkRange(_ c: Int) -> Range<Int> { c * chunkChannels..<min(outChannels, (c + 1) * chunkChannels) }
    /// One chunk's packed U_ξ, all chunks padded to `chunkChannels` rows: U is [chunk][ξ].
    var packedAFloats: Int { SGEMM.packedACount(m: chunkChannels, k: channels) }
    func packedA(_ weights: UnsafePointer<Float>, chunk c: Int, position xi: Int) -> UnsafePointer<Float> {
        weights + (c * Self.positions + xi) * packedAFloats
    }
    /// Input rows one block reads: two per tile row and the two around them.
    var blockInputRows: Int { 2 * blockRows + 2 }
    var vFloats: Int { Self.positions * channels * blockColumns }
    var mFloats: Int { Self.positions * chunkChannels * blockColumns }
    /// One thread's scratch: V, M, the deinterleaved rows of one channel and the GEMM's
    /// packing buffer.
    var scratchFloatsPerThread: Int {
        let rows = blockInputRows * 2 * halfRow
        let gemm = SGEMM.scratchFloatsPerThread(m: outChannels, n: blockColumns, k: channels, packsA: false, packsB: true)
        return (vFloats + mFloats + rows + gemm + 15) / 16 * 16
    }

    /// U_ξ = (G g G^T)_ξ for every (cout, cin), each chunk's rows of each ξ's Cout × Cin
    /// matrix packed as the GEMM's A, [chunk][ξ]. G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1].
    func pack(_ w: UnsafePointer<Float>) -> TensorStorage {
        let m = outChannels, k = channels, perA = packedAFloats
        var u = [Float](repeating: 0, count: Self.positions * m * k)
        for co in 0..<m {
            for ci in 0..<k {
                let g = w + (co * k + ci) * 9
                // t = G g (4×3), then t G^T (4×4).
                var t = [Float](repeating: 0, count: 12)
                for j in 0..<3 {
                    let g0 = g[j], g1 = g[3 + j], g2 = g[6 + j]
                    t[j] = g0; t[3 + j] = 0.5 * (g0 + g1 + g2); t[6 + j] = 0.5 * (g0 - g1 + g2); t[9 + j] = g2
                }
                for i in 0..<4 {
                    let t0 = t[3 * i], t1 = t[3 * i + 1], t2 = t[3 * i + 2]
                    let row = [t0, 0.5 * (t0 + t1 + t2), 0.5 * (t0 - t1 + t2), t2]
                    for j in 0..<4 { u[((i * 4 + j) * m + co) * k + ci] = row[j] }
                }
            }
        }
        let storage = TensorStorage(count: max(chunks * Self.positions * perA, 1) * 4)
        let dst = storage.bytes.assumingMemoryBound(to: Float.self)
        dst.initialize(repeating: 0, count: max(chunks * Self.positions * perA, 1))
        u.withUnsafeBufferPointer { u in
            for c in 0..<chunks {
                let rows = chunkRange(c)
                for xi in 0..<Self.positions {
                    let one = SGEMM.prepackA(u.baseAddress! + (xi * m + rows.lowerBound) * k, rowStride: k, colStride: 1,
                                             m: rows.count, k: k)
                    UnsafeMutablePointer(mutating: packedA(dst, chunk: c, position: xi))
                        .update(from: one.bytes.assumingMemoryBound(to: Float.self), count: SGEMM.packedACount(m: rows.count, k: k))
                }
            }
        }
        return storage
    }

    /// Tile rows `rows` of one image: the input transform into V, the 16 GEMMs into M,
    /// the output transform into y (bias and Relu applied there).
    func run(block rows: Range<Int>, x: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
             relu: Bool, y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let cols = rows.count * rowColumns
        let v = scratch, m = scratch + vFloats, own = ThreadScratch(self, scratch)
        transformInput(rows: rows, channels: 0..<channels, x: x, v: v, cols: cols, halves: own.halves)
        for c in 0..<chunks {
            multiply(chunk: c, positions: 0..<Self.positions, cols: cols, weights: weights, v: v, m: m, gemmScratch: own.gemm, pool: pool)
            transformOutput(rows: rows, chunk: c, outChannels: chunkRange(c), m: m, cols: cols, bias: bias, relu: relu, y: y)
        }
    }

    /// The same block with `tasks` threads sharing each phase: input channels, then the
    /// chunks, each thread its own into its own M (or, with fewer chunks than threads, the
    /// 16 positions of each chunk, then its output channels, in slot 0's M). V is slot
    /// 0's; each thread keeps its own row buffers and GEMM packing. For images of fewer
    /// blocks than threads (ResNet-50's 14² convs are one block), or a count that does
    /// not divide.
    func runShared(block rows: Range<Int>, x: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                   relu: Bool, y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, tasks: Int, pool: ThreadPool) {
        let cols = rows.count * rowColumns, per = scratchFloatsPerThread
        let v = scratch, m = scratch + vFloats
        func part(_ count: Int, _ t: Int) -> Range<Int> { count * t / tasks..<count * (t + 1) / tasks }
        pool.parallelFor(tasks) { t in
            let own = ThreadScratch(self, scratch + t * per)
            transformInput(rows: rows, channels: part(channels, t), x: x, v: v, cols: cols, halves: own.halves)
        }
        if chunks >= tasks {
            pool.parallelFor(tasks) { t in
                let own = scratch + t * per
                for c in part(chunks, t) {
                    multiply(chunk: c, positions: 0..<Self.positions, cols: cols, weights: weights, v: v, m: own + vFloats,
                             gemmScratch: ThreadScratch(self, own).gemm, pool: pool)
                    transformOutput(rows: rows, chunk: c, outChannels: chunkRange(c), m: own + vFloats, cols: cols, bias: bias,
                                    relu: relu, y: y)
                }
            }
            return
        }
        for c in 0..<chunks {
            pool.parallelFor(tasks) { t in
                multiply(chunk: c, positions: part(Self.positions, t), cols: cols, weights: weights, v: v, m: m,
                         gemmScratch: ThreadScratch(self, scratch + t * per).gemm, pool: pool)
            }
            let range = chunkRange(c)
            pool.parallelFor(tasks) { t in
                let mine = part(range.count, t)
                transformOutput(rows: rows, chunk: c, outChannels: range.lowerBound + mine.lowerBound..<range.lowerBound + mine.upperBound,
                                m: m, cols: cols, bias: bias, relu: relu, y: y)
            }
        }
    }

    /// One thread's buffers past V and M in its scratch slot.
    struct ThreadScratch {
        var halves: UnsafeMutablePointer<Float>, gemm: UnsafeMutablePointer<Float>
        init(_ plan: WinogradConvPlan, _ slot: UnsafeMutablePointer<Float>) {
            halves = slot + plan.vFloats + plan.mFloats
            gemm = halves + plan.blockInputRows * 2 * plan.halfRow
        }
    }

    /// M_ξ of chunk `c` (its rows of Cout, at a stride of `chunkChannels` rows) for each ξ in `positions`.
    func multiply(chunk c: Int, positions: Range<Int>, cols: Int, weights: UnsafePointer<Float>, v: UnsafePointer<Float>,
                  m: UnsafeMutablePointer<Float>, gemmScratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let rows = chunkRange(c).count
        for xi in positions {
            SGEMM.multiply(m: rows, n: cols, k: channels, a: .packed(packedA(weights, chunk: c, position: xi)),
                           b: .strided(v + xi * channels * cols, rowStride: cols, colStride: 1),
                           c: m + xi * chunkChannels * cols, ldc: cols, epilogue: SGEMMEpilogue(), scratch: gemmScratch,
                           slots: 1, pool: pool)
        }
    }

    /// The first tile of each 8-lane step along a tile row: 0, 8, … and, when the row
    /// does not divide, a last step ending at the row's end (overlapping the one before).
    @inline(__always)
    func forEachStep(_ body: (_ c0: Int, _ first: Int) -> Void) {
        var c0 = 0
        while c0 + Self.lanes <= tilesW {
            body(c0, 0)
            c0 += Self.lanes
        }
        if c0 < tilesW {
            if tilesW >= Self.lanes { body(tilesW - Self.lanes, c0 - (tilesW - Self.lanes)) } else { body(0, 0) }
        }
    }

    /// V_ξ[ci][column] = (B^T d B)_ξ of each tile's 4×4 patch, B^T = [1 0 −1 0; 0 1 1 0;
    /// 0 −1 1 0; 0 1 0 −1]. Each input row is split once into its even and odd padded
    /// columns (`ck_deinterleave_f32`, straight from the input row, as `RowConvPlan`
    /// does): tile c's patch columns are then even[c], odd[c], even[c + 1], odd[c + 1],
    /// contiguous for eight tiles.
    func transformInput(rows: Range<Int>, channels: Range<Int>, x: UnsafePointer<Float>, v: UnsafeMutablePointer<Float>, cols: Int,
                        halves: UnsafeMutablePointer<Float>) {
        typealias V8 = SIMD8<Float>
        let firstRow = 2 * rows.lowerBound - 1, inputRows = 2 * rows.count + 2
        let plane = self.channels * cols
        for ci in channels {
            for r in 0..<inputRows {
                let ih = firstRow + r, even = halves + r * 2 * halfRow, odd = even + halfRow
                if ih < 0 || ih >= height {
                    even.update(repeating: 0, count: 2 * halfRow)
                    continue
                }
                // Padded column j holds input column j − 1: input column i goes to odd[i / 2]
                // when i is even, else to even[i / 2 + 1]; the pad and the entries past the
                // row are zeros.
                even[0] = 0
                ck_deinterleave_f32(x + (ci * height + ih) * width, width, odd, even + 1)
                (even + 1 + width / 2).update(repeating: 0, count: halfRow - 1 - width / 2)
                (odd + (width + 1) / 2).update(repeating: 0, count: halfRow - (width + 1) / 2)
            }
            let vc = v + ci * cols
            for tr in rows {
                let base = halves + 2 * (tr - rows.lowerBound) * 2 * halfRow
                let out = vc + (tr - rows.lowerBound) * rowColumns
                forEachStep { c0, _ in
                    @inline(__always) func load(_ row: Int, _ col: Int) -> V8 {
                        // col 0, 1, 2, 3 → even[c], odd[c], even[c + 1], odd[c + 1].
                        let p = base + row * 2 * halfRow + (col & 1) * halfRow + c0 + (col >> 1)
                        return UnsafeRawPointer(p).loadUnaligned(as: V8.self)
                    }
                    // Rows: B^T d, column by column; then columns: (B^T d) B, row by row.
                    let t00 = load(0, 0) - load(2, 0), t10 = load(1, 0) + load(2, 0), t20 = load(2, 0) - load(1, 0), t30 = load(1, 0) - load(3, 0)
                    let t01 = load(0, 1) - load(2, 1), t11 = load(1, 1) + load(2, 1), t21 = load(2, 1) - load(1, 1), t31 = load(1, 1) - load(3, 1)
                    let t02 = load(0, 2) - load(2, 2), t12 = load(1, 2) + load(2, 2), t22 = load(2, 2) - load(1, 2), t32 = load(1, 2) - load(3, 2)
                    let t03 = load(0, 3) - load(2, 3), t13 = load(1, 3) + load(2, 3), t23 = load(2, 3) - load(1, 3), t33 = load(1, 3) - load(3, 3)
                    @inline(__always) func put(_ i: Int, _ a0: V8, _ a1: V8, _ a2: V8, _ a3: V8) {
                        let o = UnsafeMutableRawPointer(out + c0 + (4 * i) * plane), step = plane * 4
                        o.storeBytes(of: a0 - a2, as: V8.self)
                        o.storeBytes(of: a1 + a2, toByteOffset: step, as: V8.self)
                        o.storeBytes(of: a2 - a1, toByteOffset: 2 * step, as: V8.self)
                        o.storeBytes(of: a1 - a3, toByteOffset: 3 * step, as: V8.self)
                    }
                    put(0, t00, t01, t02, t03); put(1, t10, t11, t12, t13); put(2, t20, t21, t22, t23); put(3, t30, t31, t32, t33)
                }
            }
        }
    }

    /// y's 2×2 tile = A^T m A (+ bias, Relu), A^T = [1 1 1 0; 0 1 −1 −1]; the two output
    /// rows of eight tiles are interleaved into 16 contiguous columns each
    /// (`ck_store_interleaved2_f32`), cut at the plane's last row and column.
    /// `outChannels` lie in chunk `c`, whose rows M holds.
    func transformOutput(rows: Range<Int>, chunk c: Int, outChannels: Range<Int>, m: UnsafePointer<Float>, cols: Int,
                         bias: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>) {
        typealias V8 = SIMD8<Float>
        let plane = chunkChannels * cols, first = c * chunkChannels
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * Self.lanes) { tmp in
            let t = tmp.baseAddress!
            for co in outChannels {
                let b = V8(repeating: bias?[co] ?? 0)
                let mc = m + (co - first) * cols, yc = y + co * height * width
                for tr in rows {
                    let src = mc + (tr - rows.lowerBound) * rowColumns
                    let oh = 2 * tr
                    forEachStep { c0, first in
                        @inline(__always) func load(_ xi: Int) -> V8 {
                            UnsafeRawPointer(src + c0 + xi * plane).loadUnaligned(as: V8.self)
                        }
                        // Rows: A^T m, column by column; then columns: (A^T m) A.
                        let m00 = load(0), m01 = load(1), m02 = load(2), m03 = load(3)
                        let m10 = load(4), m11 = load(5), m12 = load(6), m13 = load(7)
                        let m20 = load(8), m21 = load(9), m22 = load(10), m23 = load(11)
                        let m30 = load(12), m31 = load(13), m32 = load(14), m33 = load(15)
                        let s00 = m00 + m10 + m20, s01 = m01 + m11 + m21, s02 = m02 + m12 + m22, s03 = m03 + m13 + m23
                        let s10 = m10 - m20 - m30, s11 = m11 - m21 - m31, s12 = m12 - m22 - m32, s13 = m13 - m23 - m33
                        var y00 = s00 + s01 + s02 + b, y01 = s01 - s02 - s03 + b
                        var y10 = s10 + s11 + s12 + b, y11 = s11 - s12 - s13 + b
                        if relu {
                            y00 = y00.replacing(with: 0, where: y00 .< 0); y01 = y01.replacing(with: 0, where: y01 .< 0)
                            y10 = y10.replacing(with: 0, where: y10 .< 0); y11 = y11.replacing(with: 0, where: y11 .< 0)
                        }
                        let raw = UnsafeMutableRawPointer(t)
                        raw.storeBytes(of: y00, as: V8.self); raw.storeBytes(of: y01, toByteOffset: 32, as: V8.self)
                        raw.storeBytes(of: y10, toByteOffset: 64, as: V8.self); raw.storeBytes(of: y11, toByteOffset: 96, as: V8.self)
                        // Output columns 2·c0 + 2·first ..< min(2·(c0 + 8), width).
                        let from = 2 * first, to = min(2 * Self.lanes, width - 2 * c0)
                        ck_store_interleaved2_f32(t, t + 8, yc + oh * width + 2 * c0, Int32(from), Int32(to))
                        if oh + 1 < height {
                            ck_store_interleaved2_f32(t + 16, t + 24, yc + (oh + 1) * width + 2 * c0, Int32(from), Int32(to))
                        }
                    }
                }
            }
        }
    }
}

extension WinogradConvPlan {
    /// The loop order over memory for one image, for the cache model: per block, the
    /// input rows read and V written, then per chunk its 16 GEMMs (each its U_ξ, V_ξ and
    /// M_ξ, as the GEMM reads them), its M read and its output channels written.
    func accessSteps(x: MemoryRegion, weights: MemoryRegion, y: MemoryRegion, into steps: inout [AccessStep]) {
        let rowFloats = width, planeFloats = height * width
        for blk in 0..<blocks {
            let r0 = blk * blockRows, rows = min(blockRows, tilesH - r0), cols = rows * rowColumns
            let ih0 = max(0, 2 * r0 - 1), ih1 = min(height, 2 * (r0 + rows) + 1)
            for c in 0..<channels {
                steps.append(.read(x.floats(c * planeFloats + ih0 * rowFloats, (ih1 - ih0) * rowFloats)))
            }
            let v = MemoryRegion(space: .scratch, offset: 0, bytes: Self.positions * channels * cols * 4)
            steps.append(.write(v))
            let oh0 = 2 * r0, oh1 = min(height, 2 * (r0 + rows))
            for chunk in 0..<chunks {
                let range = chunkRange(chunk)
                let m = MemoryRegion(space: .scratch, offset: vFloats * 4, bytes: Self.positions * chunkChannels * cols * 4)
                for xi in 0..<Self.positions {
                    SGEMM.accessSteps(m: range.count, n: cols, k: channels,
                                      a: .packed(weights.floats((chunk * Self.positions + xi) * packedAFloats, packedAFloats)),
                                      b: .strided(v.floats(xi * channels * cols, channels * cols), rowStride: cols),
                                      c: m.floats(xi * chunkChannels * cols, range.count * cols), ldc: cols, accumulate: false,
                                      into: &steps)
                }
                steps.append(.read(m))
                for c in range {
                    steps.append(.write(y.floats(c * planeFloats + oh0 * rowFloats, (oh1 - oh0) * rowFloats)))
                }
            }
        }
    }
}
