import Model

/// C (rows × n) = W · B + bias for a sparse W, as XNNPACK's SpMM does for pruned
/// 1×1 convs: for each output row, every non-zero weight broadcasts over a block of
/// 64 columns of B (eight SIMD8 accumulators), so only non-zero MACs are computed.
///
/// B is read in 16-column strips: element (k, j) of strip s at
/// `strip(s) + k * rowStride + j`. A pointwise conv reads its input planes in place
/// (rowStride = plane, strips 16 apart); im2col convs and column tails are packed
/// first into SGEMM's kc×16 panels (rowStride = 16, strips 16·K apart).
enum SparseConv {
    static let blockColumns = 64

    /// Scratch floats per thread: one packed 64-column block of B.
    static func scratchFloats(depth: Int) -> Int { SGEMM.roundUp(max(depth, 1) * blockColumns, 16) }

    struct Operand {
        var weights: SparseWeightRows
        /// First weight row of this group and how many.
        var row0: Int, rows: Int
        /// Input of this group: the channel planes (pointwise) or the image for im2col.
        var input: UnsafePointer<Float>
        var im2col: Im2colGeometry?
        var depth: Int, columns: Int
        var output: UnsafeMutablePointer<Float>
        var bias: UnsafePointer<Float>?
        /// Clamp at zero on store (a fused Relu).
        var relu: Bool
    }

    static func multiply(_ op: Operand, scratch: UnsafeMutablePointer<Float>, slots: Int, pool: ThreadPool) {
        let blocks = (op.columns + blockColumns - 1) / blockColumns
        let work = op.weights.nonZeros * op.columns
        let tasks = work < 1 << 16 ? 1 : min(max(1, min(slots, pool.threadCount)), blocks)
        let perThread = scratchFloats(depth: op.depth)
        if tasks == 1 {
            for b in 0..<blocks { block(op, b, scratch) }
            return
        }
        pool.parallelFor(tasks) { t in
            for b in blocks * t / tasks..<blocks * (t + 1) / tasks { block(op, b, scratch + t * perThread) }
        }
    }

    /// One 64-column block: locate or pack B, then every row.
    static func block(_ op: Operand, _ index: Int, _ scratch: UnsafeMutablePointer<Float>) {
        let j0 = index * blockColumns
        let width = min(blockColumns, op.columns - j0)
        let b: UnsafePointer<Float>, rowStride: Int, stripStride: Int
        if let geometry = op.im2col {
            geometry.pack(op.input, k0: 0, kc: op.depth, j0: j0, nc: width, into: scratch)
            b = UnsafePointer(scratch); rowStride = SGEMM.nr; stripStride = SGEMM.nr * op.depth
        } else if width == blockColumns {
            b = op.input + j0; rowStride = op.columns; stripStride = SGEMM.nr
        } else {
            SGEMM.packB(op.input, rowStride: op.columns, colStride: 1, k0: 0, kc: op.depth, j0: j0, nc: width, n: op.columns, into: scratch)
            b = UnsafePointer(scratch); rowStride = SGEMM.nr; stripStride = SGEMM.nr * op.depth
        }
        op.weights.rowStart.withUnsafeBufferPointer { starts in
            op.weights.columns.withUnsafeBufferPointer { cols in
                op.weights.values.withUnsafeBufferPointer { vals in
                    for r in 0..<op.rows {
                        let row = op.row0 + r
                        let e0 = Int(starts[row]), e1 = Int(starts[row + 1])
                        let c = op.output + r * op.columns + j0
                        let bias = op.bias?[r] ?? 0
                        if width == blockColumns {
                            row64(cols.baseAddress! + e0, vals.baseAddress! + e0, e1 - e0, b, rowStride, stripStride, c, bias, op.relu)
                        } else {
                            var s = 0
                            while s * SGEMM.nr < width {
                                row16(cols.baseAddress! + e0, vals.baseAddress! + e0, e1 - e0, b + s * stripStride, rowStride,
                                      c + s * SGEMM.nr, min(SGEMM.nr, width - s * SGEMM.nr), bias, op.relu)
                                s += 1
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(never)
    static func row64(_ cols: UnsafePointer<Int32>, _ vals: UnsafePointer<Float>, _ count: Int,
                      _ b: UnsafePointer<Float>, _ rowStride: Int, _ stripStride: Int,
                      _ c: UnsafeMutablePointer<Float>, _ bias: Float, _ relu: Bool) {
        typealias V = SIMD8<Float>
        let start = V(repeating: bias)
        var a0 = start, a1 = start, a2 = start, a3 = start, a4 = start, a5 = start, a6 = start, a7 = start
        let s0 = UnsafeRawPointer(b), s1 = UnsafeRawPointer(b + stripStride)
        let s2 = UnsafeRawPointer(b + 2 * stripStride), s3 = UnsafeRawPointer(b + 3 * stripStride)
        for e in 0..<count {
            let w = V(repeating: vals[e])
            let off = Int(cols[e]) * rowStride * 4
            a0 = a0.addingProduct(w, s0.loadUnaligned(fromByteOffset: off, as: V.self))
            a1 = a1.addingProduct(w, s0.loadUnaligned(fromByteOffset: off + 32, as: V.self))
            a2 = a2.addingProduct(w, s1.loadUnaligned(fromByteOffset: off, as: V.self))
            a3 = a3.addingProduct(w, s1.loadUnaligned(fromByteOffset: off + 32, as: V.self))
            a4 = a4.addingProduct(w, s2.loadUnaligned(fromByteOffset: off, as: V.self))
            a5 = a5.addingProduct(w, s2.loadUnaligned(fromByteOffset: off + 32, as: V.self))
            a6 = a6.addingProduct(w, s3.loadUnaligned(fromByteOffset: off, as: V.self))
            a7 = a7.addingProduct(w, s3.loadUnaligned(fromByteOffset: off + 32, as: V.self))
        }
        if relu {
            a0 = a0.replacing(with: 0, where: a0 .< 0); a1 = a1.replacing(with: 0, where: a1 .< 0)
            a2 = a2.replacing(with: 0, where: a2 .< 0); a3 = a3.replacing(with: 0, where: a3 .< 0)
            a4 = a4.replacing(with: 0, where: a4 .< 0); a5 = a5.replacing(with: 0, where: a5 .< 0)
            a6 = a6.replacing(with: 0, where: a6 .< 0); a7 = a7.replacing(with: 0, where: a7 .< 0)
        }
        let out = UnsafeMutableRawPointer(c)
        out.storeBytes(of: a0, toByteOffset: 0, as: V.self); out.storeBytes(of: a1, toByteOffset: 32, as: V.self)
        out.storeBytes(of: a2, toByteOffset: 64, as: V.self); out.storeBytes(of: a3, toByteOffset: 96, as: V.self)
        out.storeBytes(of: a4, toByteOffset: 128, as: V.self); out.storeBytes(of: a5, toByteOffset: 160, as: V.self)
        out.storeBytes(of: a6, toByteOffset: 192, as: V.self); out.storeBytes(of: a7, toByteOffset: 224, as: V.self)
    }

    /// One 16-column strip, storing `width` ≤ 16 columns.
    @inline(never)
    static func row16(_ cols: UnsafePointer<Int32>, _ vals: UnsafePointer<Float>, _ count: Int,
                      _ b: UnsafePointer<Float>, _ rowStride: Int,
                      _ c: UnsafeMutablePointer<Float>, _ width: Int, _ bias: Float, _ relu: Bool) {
        typealias V = SIMD8<Float>
        var a0 = V(repeating: bias), a1 = V(repeating: bias)
        let s = UnsafeRawPointer(b)
        for e in 0..<count {
            let w = V(repeating: vals[e])
            let off = Int(cols[e]) * rowStride * 4
            a0 = a0.addingProduct(w, s.loadUnaligned(fromByteOffset: off, as: V.self))
            a1 = a1.addingProduct(w, s.loadUnaligned(fromByteOffset: off + 32, as: V.self))
        }
        for q in 0..<width {
            let v = q < 8 ? a0[q] : a1[q - 8]
            c[q] = relu && v < 0 ? 0 : v
        }
    }
}
