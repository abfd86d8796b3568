import Model

/// The spatial geometry shared by Conv, ConvTranspose and pools: 1-D ops are 2-D with
/// height 1. Resolved once at prepare.
struct ConvShape: Sendable {
    var batch: Int, inChannels: Int, outChannels: Int, group: Int
    var height: Int, width: Int, outH: Int, outW: Int
    var kernelH: Int, kernelW: Int
    var strideH: Int, strideW: Int, dilationH: Int, dilationW: Int
    var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int

    var inPlane: Int { height * width }
    var outPlane: Int { outH * outW }
    var taps: Int { kernelH * kernelW }
    /// Rows and columns of a zero-padded copy of one input plane in which every tap of
    /// every output reads: the input at (padTop, padLeft), extended past its end when
    /// the last windows reach beyond it.
    var paddedHeight: Int { max(padTop + height, (outH - 1) * strideH + (kernelH - 1) * dilationH + 1) }
    var paddedWidth: Int { max(padLeft + width, (outW - 1) * strideW + (kernelW - 1) * dilationW + 1) }

    /// Lifts per-axis values of a 1-D or 2-D op to (h, w).
    static func hw(_ v: [Int], fill: Int) -> (Int, Int) { v.count == 1 ? (fill, v[0]) : (v[0], v[1]) }
}

/// ONNX Conv, NCHW fp32, 1-D and 2-D, groups, dilations, strides, pads and auto_pad.
///
/// Four paths: depthwise (group = C = M) runs a direct SIMD kernel; 1×1 stride-1
/// unpadded convs multiply the weights by the input planes directly; other ungrouped
/// k×k convs with constant weights run `DirectConvPlan` (output channels in SIMD
/// lanes), or `WinogradConvPlan` when 3×3, stride 1 and same-size over at least 32
/// channels; the rest pack the im2col matrix straight into GEMM panels (no full im2col
/// buffer). Weights are packed once per group at prepare when they are constant. Constant weights that are mostly
/// zeros (pruned models) run the non-depthwise paths through `SparseConv` instead,
/// and the node then counts only the MACs of its non-zero weights. A first conv may carry
/// the MaxPool after it (`MaxPoolFusion`, `Conv+FusedPool.swift`), and any conv the
/// GlobalAveragePool after it (`GlobalAveragePoolFusion`, `Conv+GlobalAverage.swift`).
struct ConvKernel: Kernel {
    enum Path: Sendable { case depthwise, pointwise, im2col, direct, rows, grid, winograd }
    var shape: ConvShape
    var path: Path
    var packedW: LinearPackedFloats?
    /// Set when the constant weights are sparse enough for `SparseConv`.
    var sparseW: SparseWeightRows?
    /// The `.direct` path's geometry; `packedW` then holds its panels.
    var direct: DirectConvPlan?
    /// The `.rows` path's geometry (first convs); `packedW` then holds its groups.
    var rowConv: RowConvPlan?
    /// The `.grid` path's geometry (shallow 3×3 stride-1 and small-plane 1×1 convs, AVX-512).
    var gridConv: GridConvPlan?
    /// The `.winograd` path's geometry (3×3 stride-1 same-size convs); `packedW` then
    /// holds the 16 transformed weight matrices.
    var winograd: WinogradConvPlan?
    var hasBias: Bool
    /// A Relu fused by `ReluFusion`: applied as each output tile is stored.
    var relu = false
    /// A residual Add fused by `ResidualAddFusion`: input 3, added before the Relu.
    var residual = false
    /// The window of a MaxPool fused by `MaxPoolFusion`, and how it runs (`runPooled`).
    var pooled: ConvPoolBands?
    var pooledRun: PooledRun?
    /// How the GlobalAveragePool fused by `GlobalAveragePoolFusion` runs (`runAveraged`).
    var averagedRun: AveragedRun?

    /// How a conv with a fused MaxPool runs.
    enum PooledRun: Sendable {
        /// The row path: by bands of pooled rows, the input phased a band at a time
        /// (`plan`), each thread's band buffer and phased input in `threadFloats` floats
        /// of scratch.
        case bands(plan: RowConvPlan, threadFloats: Int)
        /// Other paths (a sparse or narrow first conv): the conv's whole output into
        /// scratch at `offsetFloats` (after the conv's own scratch), then `pool` over it,
        /// as the two nodes would run unfused.
        case whole(pool: PoolKernel, offsetFloats: Int)
    }
    /// How a conv with a fused GlobalAveragePool runs.
    enum AveragedRun: Sendable {
        /// The direct path without a fused residual: its tiles add each channel's outputs
        /// into per-thread sums (`outChannels` floats a thread, from `offsetFloats` of
        /// scratch, `strideFloats` apart) instead of storing them.
        case sums(offsetFloats: Int, strideFloats: Int)
        /// Other paths, and convs with a fused residual (summed in lanes, the residual's
        /// values would need a gather per pixel: ResNet-50's last conv ran 25 % slower that
        /// way, lane by lane): the conv's whole output into scratch at `offsetFloats` (after
        /// the conv's own scratch), then each plane averaged, as the two nodes would run unfused.
        case whole(offsetFloats: Int)
    }
    var slots: Int

    /// Whether the output may share the fused residual's buffer (`aliasResiduals`): the
    /// GEMM and direct paths read each residual element in the tile that then stores its
    /// output; the depthwise and sparse ones add the residual in a pass after storing.
    /// An averaged output is a vector per image, written after the residual is read.
    var storesOverResidual: Bool { residual && path != .depthwise && sparseW == nil && averagedRun == nil }

    var inG: Int { shape.inChannels / shape.group }
    var outG: Int { shape.outChannels / shape.group }
    var depth: Int { inG * shape.taps }
    /// The im2col matrix of one image and channel group.
    var im2col: Im2colGeometry {
        let s = shape
        return Im2colGeometry(channels: inG, height: s.height, width: s.width, kernelH: s.kernelH, kernelW: s.kernelW,
                              strideH: s.strideH, strideW: s.strideW, dilationH: s.dilationH, dilationW: s.dilationW,
                              padTop: s.padTop, padLeft: s.padLeft, outH: s.outH, outW: s.outW)
    }

    static func prepare(_ sig: KernelSignature) throws(KernelError) -> PreparedKernel {
        var prepared = try prepareConv(sig)
        if sig.node.attributes[GlobalAveragePoolFusion.attribute] != nil, var k = prepared.kernel as? ConvKernel {
            let offset = (prepared.scratchBytes + 63) / 64 * 64
            let s = k.shape
            if k.direct != nil && k.sparseW == nil && !k.residual {
                let stride = (s.outChannels + 15) / 16 * 16
                k.averagedRun = .sums(offsetFloats: offset / 4, strideFloats: stride)
                prepared.scratchBytes = offset + stride * 4 * k.slots
            } else {
                k.averagedRun = .whole(offsetFloats: offset / 4)
                prepared.scratchBytes = offset + s.batch * s.outChannels * s.outPlane * 4
            }
            // The pool's adds: one per conv output element (docs/COUNTING.md).
            prepared.ops[.float32, default: 0] += Int64(s.batch * s.outChannels * s.outPlane)
            prepared.kernel = k
            return prepared
        }
        guard var k = prepared.kernel as? ConvKernel, let bands = k.pooled else { return prepared }
        // Row path: per thread, the band buffer and the band's phased input (which
        // replaces the row path's phased image). Other paths: their own scratch, then the
        // conv's whole output, then the pool's row buffers.
        if let rowConv = k.rowConv {
            let plan = rowConv.banded(inputRows: rowConv.inputRows(for: 0..<bands.bandRows).count)
            let threadFloats = (bands.bandFloats + plan.scratchFloats + 15) / 16 * 16
            k.pooledRun = .bands(plan: plan, threadFloats: threadFloats)
            prepared.scratchBytes = threadFloats * 4 * k.slots
        } else {
            let pool = PoolKernel.planes(kind: .max, shape: bands.poolShape(batch: k.shape.batch), slots: k.slots)
            let offset = (prepared.scratchBytes + 63) / 64 * 64
            k.pooledRun = .whole(pool: pool, offsetFloats: offset / 4)
            prepared.scratchBytes = offset + (k.shape.batch * k.shape.outChannels * k.shape.outPlane * 4 + 63) / 64 * 64 + pool.scratchBytes
        }
        // The pool's compares: one per window tap per pooled output (docs/COUNTING.md).
        let compares = Int64(k.shape.batch * bands.channels * bands.outPlane) * Int64(bands.window.kernelH * bands.window.kernelW)
        prepared.ops[.float32, default: 0] += compares
        prepared.kernel = k
        return prepared
    }

    private static func prepareConv(_ sig: KernelSignature) throws(KernelError) -> PreparedKernel {
        let x = try sig.linearFloatInput(0), w = try sig.linearFloatInput(1)
        let rank = x.shape.count - 2
        guard rank == 1 || rank == 2 else {
            throw .unsupportedOperator(node: sig.node.name, opType: "Conv (\(max(rank, 0))-D)", domain: "", dtype: .float32)
        }
        let geometry = try ConvGeometry(sig, x: x.shape, w: w.shape)
        let group = geometry.group, cin = geometry.inChannels, cout = geometry.outChannels
        let pads = geometry.pads
        let expected = geometry.outputShape
        var bands: ConvPoolBands?
        if let window = FusedMaxPoolWindow(sig.node.attributes[MaxPoolFusion.attribute]) {
            guard rank == 2, let b = ConvPoolBands(window, channels: cout, convH: expected[2], convW: expected[3]) else {
                throw sig.linearMismatch("the fused MaxPool's window does not fit the conv output \(expected)")
            }
            bands = b
        }
        var written = bands.map { [expected[0], expected[1], $0.outH, $0.outW] } ?? expected
        if sig.node.attributes[GlobalAveragePoolFusion.attribute] != nil {
            guard bands == nil else { throw sig.linearMismatch("a conv cannot carry both a fused MaxPool and a fused GlobalAveragePool") }
            written = [expected[0], expected[1]] + expected.dropFirst(2).map { _ in 1 }
        }
        guard sig.outputTypes.first?.shape == written else { throw sig.linearMismatch("output shape \(sig.outputTypes.first?.shape ?? []) is not \(written)") }
        if sig.linearHasInput(2) {
            let b = try sig.linearFloatInput(2)
            guard b.shape == [cout] else { throw sig.linearMismatch("bias shape \(b.shape) is not [\(cout)]") }
        }
        let shape = geometry.convShape
        let kh = shape.kernelH, kw = shape.kernelW, sh = shape.strideH, sw = shape.strideW
        let path: Path
        if group == cin && group == cout && cin > 1 { path = .depthwise }
        else if kh == 1 && kw == 1 && sh == 1 && sw == 1 && pads.allSatisfy({ $0.begin == 0 && $0.end == 0 }) { path = .pointwise }
        else { path = .im2col }
        var k = ConvKernel(shape: shape, path: path, hasBias: sig.linearHasInput(2), slots: sig.linearSlots)
        k.relu = sig.node.attributes[ReluFusion.attribute] != nil
        k.residual = sig.node.attributes[ResidualAddFusion.attribute] != nil
        k.pooled = bands
        if k.residual {
            let r = try sig.linearFloatInput(3)
            guard r.shape == expected else { throw sig.linearMismatch("residual input shape \(r.shape) is not the output's \(expected)") }
        }
        let outputs = linearElements(expected)
        // Per output element: the bias add, the fused residual's add and the fused Relu's compare.
        let ops = (k.hasBias ? outputs : 0) + (k.residual ? outputs : 0) + (k.relu ? outputs : 0)
        var scratch = 0
        switch path {
        case .depthwise:
            scratch = k.depthwiseRowStride * k.depthwisePaddedHeight * 4 * k.slots
        case .pointwise, .im2col, .direct, .rows, .grid, .winograd:
            if let wc = sig.linearFloatConstant(1) {
                let src = wc.storage.bytes.assumingMemoryBound(to: Float.self)
                if SparseWeightRows.density(src, count: cout * k.depth) <= SparseWeightRows.maximumDensity {
                    let sparse = SparseWeightRows(src, rows: cout, depth: k.depth)
                    k.sparseW = sparse
                    return PreparedKernel(kernel: k, scratchBytes: SparseConv.scratchFloats(depth: k.depth) * 4 * k.slots,
                                          packedWeightBytes: sparse.byteCount,
                                          macs: [.float32: Int64(sparse.nonZeros) * Int64(shape.batch * shape.outPlane)],
                                          ops: ops > 0 ? [.float32: ops] : [:], computeType: .float32)
                }
                // The direct paths: every output's full depth, weights packed for their tiles.
                func direct(_ k: ConvKernel, _ packed: TensorStorage, scratchFloats: Int) -> PreparedKernel {
                    var k = k
                    k.packedW = LinearPackedFloats(packed)
                    return PreparedKernel(kernel: k, scratchBytes: scratchFloats * 4, packedWeightBytes: packed.count,
                                          macs: [.float32: outputs * Int64(k.depth)], ops: ops > 0 ? [.float32: ops] : [:],
                                          computeType: .float32)
                }
                if path == .im2col && WinogradConvPlan.applies(shape, residual: k.residual) {
                    let plan = WinogradConvPlan(shape)
                    k.path = .winograd
                    k.winograd = plan
                    return direct(k, plan.pack(src), scratchFloats: plan.scratchFloatsPerThread * k.slots)
                }
                if (path == .im2col || path == .pointwise) && RowConvPlan.applies(shape, residual: k.residual) {
                    let plan = RowConvPlan(shape)
                    k.path = .rows
                    k.rowConv = plan
                    return direct(k, plan.pack(src), scratchFloats: plan.scratchFloats)
                }
                if (path == .im2col || path == .pointwise) && GridConvPlan.applies(shape, residual: k.residual) {
                    let plan = GridConvPlan(shape)
                    k.path = .grid
                    k.gridConv = plan
                    return direct(k, plan.pack(src), scratchFloats: plan.scratchFloats)
                }
                if (path == .im2col || path == .pointwise) && DirectConvPlan.applies(shape) {
                    let plan = DirectConvPlan(shape)
                    k.path = .direct
                    k.direct = plan
                    return direct(k, plan.pack(src), scratchFloats: plan.paddedFloats)
                }
                let per = SGEMM.packedACount(m: k.outG, k: k.depth)
                let storage = TensorStorage(count: max(per * group, 1) * 4)
                let dst = storage.bytes.assumingMemoryBound(to: Float.self)
                for g in 0..<group {
                    let one = SGEMM.prepackA(src + g * k.outG * k.depth, rowStride: k.depth, colStride: 1, m: k.outG, k: k.depth)
                    dst.advanced(by: g * per).update(from: one.bytes.assumingMemoryBound(to: Float.self), count: per)
                }
                k.packedW = LinearPackedFloats(storage)
            }
            scratch = SGEMM.scratchBytes(m: k.outG, n: shape.outPlane, k: k.depth, packsA: k.packedW == nil, packsB: true, threads: k.slots)
        }
        return PreparedKernel(kernel: k, scratchBytes: scratch, packedWeightBytes: k.packedW?.byteCount,
                              macs: [.float32: outputs * Int64(k.depth)], ops: ops > 0 ? [.float32: ops] : [:],
                              computeType: .float32)
    }

    func run(_ context: borrowing KernelContext) {
        let scratch = context.scratch.assumingMemoryBound(to: Float.self)
        if let pooled {
            runPooled(pooled, context, scratch: scratch)
            return
        }
        if let averagedRun {
            runAveraged(averagedRun, context, scratch: scratch)
            return
        }
        runConv(context, y: context.output(0, as: Float.self), scratch: scratch)
    }

    /// The conv alone, its output stored at `y`.
    func runConv(_ context: borrowing KernelContext, y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let x = context.input(0, as: Float.self)
        let bias: UnsafePointer<Float>? = hasBias ? context.input(2, as: Float.self) : nil
        let residualInput: UnsafePointer<Float>? = residual ? context.input(3, as: Float.self) : nil
        if let residualInput, path == .depthwise || sparseW != nil {
            // These paths store without an addend: add the residual (then clamp) in a pass after.
            var plain = self
            plain.residual = false
            plain.relu = false
            plain.runConv(context, y: y, scratch: scratch)
            LinearSIMD.addInPlace(y, residualInput, shape.batch * shape.outChannels * shape.outPlane, relu: relu, pool: context.pool, slots: slots)
            return
        }
        if path == .depthwise {
            runDepthwise(x: x, w: context.input(1, as: Float.self), bias: bias, y: y, scratch: scratch, pool: context.pool)
            return
        }
        let s = shape
        if let sparse = sparseW {
            runSparse(sparse, x: x, y: y, bias: bias, scratch: scratch, pool: context.pool)
            return
        }
        if let winograd, let packedW {
            runWinograd(winograd, weights: packedW.pointer, x: x, y: y, bias: bias, scratch: scratch, pool: context.pool)
            return
        }
        if let rowConv, let packedW {
            runRows(rowConv, weights: packedW.pointer, x: x, y: y, bias: bias, scratch: scratch, pool: context.pool)
            return
        }
        if let gridConv, let packedW {
            runTiles(gridConv, weights: packedW.pointer, x: x, y: y, bias: bias, residual: residualInput, scratch: scratch, pool: context.pool)
            return
        }
        if let direct, let packedW {
            runTiles(direct, weights: packedW.pointer, x: x, y: y, bias: bias, residual: residualInput, scratch: scratch, pool: context.pool)
            return
        }
        let perA = SGEMM.packedACount(m: outG, k: depth)
        let wInput: UnsafePointer<Float>? = packedW == nil ? context.input(1, as: Float.self) : nil
        for n in 0..<s.batch {
            for g in 0..<s.group {
                let xg = x + (n * s.inChannels + g * inG) * s.inPlane
                let yg = y + (n * s.outChannels + g * outG) * s.outPlane
                let a: SGEMMOperandA = packedW.map { .packed($0.pointer + g * perA) }
                    ?? .strided(wInput! + g * outG * depth, rowStride: depth, colStride: 1)
                let b: SGEMMOperandB
                if path == .pointwise {
                    b = .strided(xg, rowStride: s.inPlane, colStride: 1)
                } else {
                    b = .im2col(im2col, xg)
                }
                SGEMM.multiply(m: outG, n: s.outPlane, k: depth, a: a, b: b, c: yg, ldc: s.outPlane,
                               epilogue: SGEMMEpilogue(rowBias: bias.map { $0 + g * outG }, relu: relu,
                                                       residual: residualInput.map { $0 + (n * s.outChannels + g * outG) * s.outPlane }),
                               scratch: scratch, slots: slots, pool: context.pool)
            }
        }
    }
}

extension ConvKernel {
    func runSparse(_ sparse: SparseWeightRows, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                   bias: UnsafePointer<Float>?, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let s = shape
        for n in 0..<s.batch {
            for g in 0..<s.group {
                let xg = x + (n * s.inChannels + g * inG) * s.inPlane
                let geometry: Im2colGeometry? = path == .pointwise ? nil : im2col
                let op = SparseConv.Operand(weights: sparse, row0: g * outG, rows: outG, input: xg, im2col: geometry,
                                            depth: depth, columns: s.outPlane,
                                            output: y + (n * s.outChannels + g * outG) * s.outPlane,
                                            bias: bias.map { $0 + g * outG }, relu: relu)
                SparseConv.multiply(op, scratch: scratch, slots: slots, pool: pool)
            }
        }
    }
}

/// A conv plan that copies one image's input into padded scratch (when it needs to) and
/// then runs output tiles over it: `DirectConvPlan` and `GridConvPlan`.
protocol PaddedTileConvPlan: Sendable {
    var needsPadding: Bool { get }
    var tiles: Int { get }
    /// Input channels `range` of one image into `padded`.
    func pad(_ x: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>, channels range: Range<Int>)
    func run(tiles range: Range<Int>, padded: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
             residual: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>)
    /// The loop order over memory for one image, for the cache model.
    func accessSteps(x: MemoryRegion, weights: MemoryRegion, y: MemoryRegion, into steps: inout [AccessStep])
}

extension DirectConvPlan: PaddedTileConvPlan {}
extension GridConvPlan: PaddedTileConvPlan {}

extension ConvKernel {
    /// Per image: the padded copy split over the threads by input channel, then the tiles.
    func runTiles<P: PaddedTileConvPlan>(_ plan: P, weights: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                                         bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, scratch: UnsafeMutablePointer<Float>,
                                         pool: ThreadPool) {
        let s = shape
        let tasks = max(1, min(slots, pool.threadCount))
        for n in 0..<s.batch {
            let xn = x + n * s.inChannels * s.inPlane, yn = y + n * s.outChannels * s.outPlane
            let padded = paddedInput(plan, xn, scratch: scratch, tasks: tasks, pool: pool)
            let tiles = plan.tiles, tileTasks = min(tasks, tiles)
            pool.parallelFor(tileTasks) { [padded] t in
                plan.run(tiles: tiles * t / tileTasks..<tiles * (t + 1) / tileTasks, padded: padded, weights: weights,
                         bias: bias, residual: residual.map { $0 + n * s.outChannels * s.outPlane }, relu: relu, y: yn)
            }
        }
    }

    /// One image's input as the tiles read it: the padded copy in `scratch`, split over
    /// the threads by input channel, or the input itself when the plan reads it in place.
    func paddedInput<P: PaddedTileConvPlan>(_ plan: P, _ xn: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, tasks: Int,
                                            pool: ThreadPool) -> UnsafePointer<Float> {
        guard plan.needsPadding else { return xn }
        let channels = shape.inChannels, padTasks = min(tasks, channels)
        pool.parallelFor(padTasks) { t in
            plan.pad(xn, into: scratch, channels: channels * t / padTasks..<channels * (t + 1) / padTasks)
        }
        return UnsafePointer(scratch)
    }
}

extension ConvKernel {
    /// Per image: blocks of tile rows split over the threads, each with its own scratch;
    /// or, when the blocks do not split evenly and are few, each block's phases shared.
    func runWinograd(_ plan: WinogradConvPlan, weights: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                     bias: UnsafePointer<Float>?, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let s = shape, blocks = plan.blocks, per = plan.scratchFloatsPerThread
        let threads = max(1, min(slots, pool.threadCount))
        let tasks = min(threads, blocks)
        for n in 0..<s.batch {
            let xn = x + n * s.inChannels * s.inPlane, yn = y + n * s.outChannels * s.outPlane
            if threads > 1 && blocks % threads != 0 && blocks < 4 * threads {
                for b in 0..<blocks {
                    let r0 = b * plan.blockRows
                    plan.runShared(block: r0..<min(plan.tilesH, r0 + plan.blockRows), x: xn, weights: weights, bias: bias, relu: relu,
                                   y: yn, scratch: scratch, tasks: threads, pool: pool)
                }
                continue
            }
            pool.parallelFor(tasks) { t in
                for b in blocks * t / tasks..<blocks * (t + 1) / tasks {
                    let r0 = b * plan.blockRows
                    plan.run(block: r0..<min(plan.tilesH, r0 + plan.blockRows), x: xn, weights: weights, bias: bias, relu: relu,
                             y: yn, scratch: scratch + t * per, pool: pool)
                }
            }
        }
    }

    func runRows(_ plan: RowConvPlan, weights: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                 bias: UnsafePointer<Float>?, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let s = shape
        let tasks = max(1, min(slots, pool.threadCount))
        for n in 0..<s.batch {
            let xn = x + n * s.inChannels * s.inPlane, yn = y + n * s.outChannels * s.outPlane
            pool.parallelFor(min(tasks, s.inChannels)) { t in
                let count = min(tasks, s.inChannels)
                for c in s.inChannels * t / count..<s.inChannels * (t + 1) / count { plan.prepare(xn, channel: c, into: scratch) }
            }
            let rowTasks = min(tasks, s.outH)
            pool.parallelFor(rowTasks) { t in
                let rows = s.outH * t / rowTasks..<s.outH * (t + 1) / rowTasks
                plan.run(rows: rows, phased: UnsafePointer(scratch + rows.lowerBound * plan.rowStep), weights: weights,
                         bias: bias, relu: relu, into: RowOutput(base: yn, plane: s.outPlane, rowStride: s.outW, firstRow: 0))
            }
        }
    }
}

extension ConvKernel: KernelAccessPattern {
    /// The GEMM paths' loop nest per image and group, or the direct path's order per
    /// image; the depthwise and sparse paths stream their operands once, as the counting
    /// rules count them (nil).
    func accessSteps(inputs: [MemoryRegion?], outputs: [MemoryRegion], packedWeights: MemoryRegion?) -> [AccessStep]? {
        guard path != .depthwise, sparseW == nil, let x = inputs.first ?? nil, let y = outputs.first else { return nil }
        let s = shape
        var steps: [AccessStep] = []
        if inputs.count > 2, let bias = inputs[2] { steps.append(.read(bias)) }
        // The residual is read as the first depth block's tiles are stored: before the
        // output's write, in the order of the steps below.
        let residualRegion: MemoryRegion? = residual && inputs.count > 3 ? inputs[3] : nil
        if let winograd, let packedWeights {
            for n in 0..<s.batch {
                winograd.accessSteps(x: x.floats(n * s.inChannels * s.inPlane, s.inChannels * s.inPlane), weights: packedWeights,
                                     y: y.floats(n * s.outChannels * s.outPlane, s.outChannels * s.outPlane), into: &steps)
            }
            return steps
        }
        if let averagedRun {
            // The other paths with a fused GlobalAveragePool write the conv's output into scratch first.
            guard case .sums(let offset, _) = averagedRun, let direct, let packedWeights else { return nil }
            return steps + averagedAccessSteps(direct, offsetFloats: offset, x: x, weights: packedWeights, y: y)
        }
        if let pooled, case .bands(let plan, _) = pooledRun, let packedWeights {
            return steps + pooledAccessSteps(pooled, plan, x: x, weights: packedWeights, y: y)
        }
        // The other paths with a fused pool write the conv's output into scratch first.
        if pooled != nil { return nil }
        if let rowConv, let packedWeights {
            for n in 0..<s.batch {
                rowConv.accessSteps(x: x.floats(n * s.inChannels * s.inPlane, s.inChannels * s.inPlane), weights: packedWeights,
                                    y: y.floats(n * s.outChannels * s.outPlane, s.outChannels * s.outPlane), into: &steps)
            }
            return steps
        }
        let tiled: (any PaddedTileConvPlan)? = gridConv ?? direct
        if let tiled, let packedWeights {
            for n in 0..<s.batch {
                if let residualRegion { steps.append(.read(residualRegion.floats(n * s.outChannels * s.outPlane, s.outChannels * s.outPlane))) }
                tiled.accessSteps(x: x.floats(n * s.inChannels * s.inPlane, s.inChannels * s.inPlane), weights: packedWeights,
                                  y: y.floats(n * s.outChannels * s.outPlane, s.outChannels * s.outPlane), into: &steps)
            }
            return steps
        }
        let perA = SGEMM.packedACount(m: outG, k: depth)
        for n in 0..<s.batch {
            for g in 0..<s.group {
                let xg = x.floats((n * s.inChannels + g * inG) * s.inPlane, inG * s.inPlane)
                let yg = y.floats((n * s.outChannels + g * outG) * s.outPlane, outG * s.outPlane)
                let a: SGEMMRegionA
                if let packedWeights { a = .packed(packedWeights.floats(g * perA, perA)) }
                else if inputs.count > 1, let w = inputs[1] { a = .strided(w.floats(g * outG * depth, outG * depth), rowStride: depth) }
                else { return nil }
                let b: SGEMMRegionB = path == .pointwise ? .strided(xg, rowStride: s.inPlane) : .im2col(im2col, xg)
                if let residualRegion { steps.append(.read(residualRegion.floats((n * s.outChannels + g * outG) * s.outPlane, outG * s.outPlane))) }
                SGEMM.accessSteps(m: outG, n: s.outPlane, k: depth, a: a, b: b, c: yg, ldc: s.outPlane, accumulate: false, into: &steps)
            }
        }
        return steps
    }
}
