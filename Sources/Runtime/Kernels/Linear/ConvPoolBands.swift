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

    /// Pooled rows `rows` of one image. `compute(convRows, into)` stores conv rows
    /// `convRows` (all channels, each already biased and clamped) where `into` says.
    func run(rows: Range<Int>, band: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>,
             compute: (Range<Int>, RowOutput) -> Void) {
        guard !rows.isEmpty else { return }
        let w = window, cs = channelStride
        fillPadColumns(band)
        // Padded rows [held.lowerBound, held.upperBound) are in the buffer from row 0.
        var held = 0..<0
        var r0 = rows.lowerBound
        while r0 < rows.upperBound {
            let r1 = min(r0 + pooledRows, rows.upperBound)
            let q0 = r0 * w.strideH, q1 = (r1 - 1) * w.strideH + w.kernelH
            var first = q0
            if held.contains(q0) {
                // The rows this band shares with the last one move to the top.
                let keep = held.upperBound - q0, from = (q0 - held.lowerBound) * rowStride
                for c in 0..<channels {
                    UnsafeMutableRawPointer(band + c * cs).copyMemory(from: band + c * cs + from, byteCount: keep * rowStride * 4)
                }
                first = held.upperBound
            }
            // Padded row q is conv row q − padTop; rows outside the conv are −∞.
            let lo = min(max(first - w.padTop, 0), convH), hi = max(min(q1 - w.padTop, convH), lo)
            fillRows(band, from: first - q0, to: min(lo + w.padTop, q1) - q0)
            if lo < hi {
                compute(lo..<hi, RowOutput(base: band + (lo + w.padTop - q0) * rowStride + w.padLeft, plane: cs,
                                           rowStride: rowStride, firstRow: lo))
            }
            fillRows(band, from: max(hi + w.padTop, first) - q0, to: q1 - q0)
            pool(band, rows: r1 - r0, y: y + r0 * outW)
            held = q0..<q1
            r0 = r1
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
        var held = 0..<0
        var r0 = 0
        while r0 < outH {
            let r1 = min(r0 + pooledRows, outH)
            let q0 = r0 * window.strideH, q1 = (r1 - 1) * window.strideH + window.kernelH
            let first = held.contains(q0) ? held.upperBound : q0
            let lo = min(max(first - window.padTop, 0), convH), hi = max(min(q1 - window.padTop, convH), lo)
            if lo < hi { convRows(lo..<hi, &steps) }
            steps.append(.write(band))
            steps.append(.read(band))
            for c in 0..<channels { steps.append(.write(y.floats(c * outPlane + r0 * outW, (r1 - r0) * outW))) }
            held = q0..<q1
            r0 = r1
        }
    }
}
