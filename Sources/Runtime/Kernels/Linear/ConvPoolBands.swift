import CKernels
import Model

/// A Conv with a fused MaxPool (`MaxPoolFusion`), run a band of pooled rows at a time:
/// the conv rows a band's windows read are computed into a per-thread band buffer, laid
/// out as the pool's padded input (pad rows and columns hold −∞), and pooled from there
/// into the output. The conv's full output never exists; the band stays in L2.
///
/// Consecutive bands share the window rows where they overlap (kH − sH rows): those are
/// moved to the top of the buffer rather than computed again. Threads take contiguous
/// runs of pooled rows, each with its own buffer, and compute the shared rows at the
/// boundary between two runs twice.
struct ConvPoolBands: Sendable {
    /// Bytes of conv output a band aims at: with the row path's phased input in L2 too,
    /// a band of this size is still there when the pool reads it (1 MB L2 per core here).
    static let targetBandBytes = 256 << 10

    var window: FusedMaxPoolWindow
    /// The conv's output channels and plane.
    var channels: Int, convH: Int, convW: Int
    /// The pooled output plane.
    var outH: Int, outW: Int
    /// Floats per band row: the padded conv row (pads and ceil-mode overhang) rounded up
    /// to 16, at least 32 (the AVX-512 pool's narrow-row loads read 32 floats).
    var rowStride: Int
    /// Pooled rows per band.
    var pooledRows: Int

    init?(_ window: FusedMaxPoolWindow, channels: Int, convH: Int, convW: Int) {
        guard let out = window.outputs(height: convH, width: convW) else { return nil }
        self.window = window
        self.channels = channels; self.convH = convH; self.convW = convW
        outH = out.height; outW = out.width
        let paddedW = max(window.padLeft + convW + window.padRight, (outW - 1) * window.strideW + window.kernelW)
        rowStride = max(32, (paddedW + 15) / 16 * 16)
        let rows = Self.targetBandBytes / max(1, channels * rowStride * 4)
        pooledRows = min(outH, max(1, (rows - window.kernelH) / window.strideH + 1))
    }

    /// Padded conv rows a band of `pooledRows` reads.
    var bandRows: Int { (pooledRows - 1) * window.strideH + window.kernelH }
    var channelStride: Int { bandRows * rowStride }
    var bandFloats: Int { channels * channelStride }
    var outPlane: Int { outH * outW }

    /// Whether the pool runs `ck_maxpool3x3s2_plane` over the band (x86-64), else the
    /// portable loop.
    var usesPlaneKernel: Bool {
        #if arch(x86_64)
        let w = window
        return w.kernelH == 3 && w.kernelW == 3 && w.strideH == 2 && w.strideW == 2 && (KernelTarget.usesAVX512 || outW >= 8)
        #else
        false
        #endif
    }

    /// The pool's geometry over the conv's output planes (the unbanded fallback's pool).
    func poolShape(batch: Int) -> ConvShape {
        let w = window
        return ConvShape(batch: batch, inChannels: channels, outChannels: channels, group: 1, height: convH, width: convW,
                         outH: outH, outW: outW, kernelH: w.kernelH, kernelW: w.kernelW, strideH: w.strideH, strideW: w.strideW,
                         dilationH: 1, dilationW: 1, padTop: w.padTop, padLeft: w.padLeft, padBottom: w.padBottom,
                         padRight: w.padRight)
    }

    /// One band of a run of pooled rows.
    struct Band {
        /// Its pooled rows.
        var pooled: Range<Int>
        /// The padded conv rows their windows read; band buffer row 0 is the first.
        var padded: Range<Int>
        /// Buffer rows of the band before that this one shares: they move to the top.
        var carried: Range<Int>
        /// The conv rows among the rest, which the conv computes; padded rows outside the
        /// conv (q − padTop < 0 or ≥ convH) are −∞.
        var conv: Range<Int>
        /// The first padded row not carried over.
        var fresh: Int { padded.lowerBound + carried.count }
    }

    /// The bands of pooled rows `rows` in order (the kernel's loop and the cache model's).
    func forEachBand(_ rows: Range<Int>, _ body: (Band) -> Void) {
        let w = window
        var held = 0..<0
        var r0 = rows.lowerBound
        while r0 < rows.upperBound {
            let r1 = min(r0 + pooledRows, rows.upperBound)
            let q0 = r0 * w.strideH, q1 = (r1 - 1) * w.strideH + w.kernelH
            let carried = held.contains(q0) ? q0 - held.lowerBound..<held.upperBound - held.lowerBound : 0..<0
            let first = q0 + carried.count
            let lo = min(max(first - w.padTop, 0), convH), hi = max(min(q1 - w.padTop, convH), lo)
            body(Band(pooled: r0..<r1, padded: q0..<q1, carried: carried, conv: lo..<hi))
            held = q0..<q1
            r0 = r1
        }
    }

    /// Pooled rows `rows` of one image. `compute(convRows, into)` stores conv rows
    /// `convRows` (all channels, each already biased and clamped) where `into` says.
    func run(rows: Range<Int>, band: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>,
             compute: (Range<Int>, RowOutput) -> Void) {
        guard !rows.isEmpty else { return }
        let w = window, cs = channelStride
        fillPadColumns(band)
        forEachBand(rows) { b in
            let q0 = b.padded.lowerBound, q1 = b.padded.upperBound
            if !b.carried.isEmpty {
                for c in 0..<channels {
                    UnsafeMutableRawPointer(band + c * cs).copyMemory(from: band + c * cs + b.carried.lowerBound * rowStride,
                                                                      byteCount: b.carried.count * rowStride * 4)
                }
            }
            let lo = b.conv.lowerBound, hi = b.conv.upperBound
            fillRows(band, from: b.fresh - q0, to: min(lo + w.padTop, q1) - q0)
            if lo < hi {
                compute(b.conv, RowOutput(base: band + (lo + w.padTop - q0) * rowStride + w.padLeft, plane: cs,
                                          rowStride: rowStride, firstRow: lo))
            }
            fillRows(band, from: max(hi + w.padTop, b.fresh) - q0, to: q1 - q0)
            pool(band, rows: b.pooled.count, y: y + b.pooled.lowerBound * outW)
        }
    }

    /// −∞ in every row's columns left and right of the conv's, in every channel.
    private func fillPadColumns(_ band: UnsafeMutablePointer<Float>) {
        let left = window.padLeft, right = rowStride - window.padLeft - convW
        for r in 0..<channels * bandRows {
            let row = band + r * rowStride
            row.update(repeating: -.infinity, count: left)
            (row + left + convW).update(repeating: -.infinity, count: right)
        }
    }

    /// −∞ over band rows [from, to) of every channel (pad rows above and below the conv).
    private func fillRows(_ band: UnsafeMutablePointer<Float>, from: Int, to: Int) {
        guard from < to else { return }
        for c in 0..<channels { (band + c * channelStride + from * rowStride).update(repeating: -.infinity, count: (to - from) * rowStride) }
    }

    /// `rows` pooled rows of every channel from the band's top into y (its band of rows
    /// in channel 0's plane).
    private func pool(_ band: UnsafeMutablePointer<Float>, rows: Int, y: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        if usesPlaneKernel {
            for c in 0..<channels { ck_maxpool3x3s2_plane(band + c * channelStride, rowStride, rows, outW, y + c * outPlane) }
            return
        }
        #endif
        let w = window
        for c in 0..<channels {
            let src = band + c * channelStride, dst = y + c * outPlane
            for r in 0..<rows {
                for ow in 0..<outW {
                    let at = src + r * w.strideH * rowStride + ow * w.strideW
                    var m = at[0]
                    for kh in 0..<w.kernelH {
                        for kw in 0..<w.kernelW { let v = at[kh * rowStride + kw]; m = m < v ? v : m }
                    }
                    dst[r * outW + ow] = m
                }
            }
        }
    }
}

extension ConvPoolBands {
    /// The loop order over memory per band, for the cache model: the conv's rows for the
    /// band written into the thread's band buffer, read back by the pool, and the band's
    /// pooled rows written. `convRows(rows)` appends the conv's own steps for conv rows
    /// `rows` (reading its input and weights).
    func accessSteps(y: MemoryRegion, band: MemoryRegion, into steps: inout [AccessStep],
                     convRows: (Range<Int>, inout [AccessStep]) -> Void) {
        forEachBand(0..<outH) { b in
            if !b.conv.isEmpty { convRows(b.conv, &steps) }
            steps.append(.write(band))
            steps.append(.read(band))
            for c in 0..<channels { steps.append(.write(y.floats(c * outPlane + b.pooled.lowerBound * outW, b.pooled.count * outW))) }
        }
    }
}
