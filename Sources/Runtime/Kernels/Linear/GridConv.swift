import CKernels
import Model

/// Direct 3×3 stride-1 convolution (and unpadded 1×1 over small planes) with output
/// pixels in SIMD lanes, read over the padded input's grid: output pixel (oh, ow) is grid
/// position q = oh · paddedW + ow, and tap (kh, kw) of every pixel reads the padded plane
/// at q + kh · paddedW + kw, so 32 consecutive positions are two contiguous vectors per
/// depth index across row ends.
/// The positions that fall on the grid's pad columns are computed and dropped at the
/// store (`ck_store_grid16` packs the kept lanes): with a 3×3 kernel padded by one on
/// each side, one of every paddedW, the pad column between two rows serving both.
///
/// Why: `DirectConvPlan` keeps channels in lanes, so each 6-pixel tile ends in a
/// transpose and 24-byte stores into 32 planes, which a shallow conv does not hide
/// (SqueezeNet's 55² 16→64 expands, a depth of 144: 0.28 ms against onnxruntime's 0.23).
/// Here each store is up to 16 contiguous floats of one plane. `RowConvPlan` puts pixels
/// in lanes too, but tiles each row, so a 55-wide row would run 64 lanes.
///
/// AVX-512 builds only (`applies`): the store needs `vcompressps`.
struct GridConvPlan: Sendable {
    static let groupChannels = RowConvPlan.groupChannels, tilePixels = 32, halfTile = 16
    /// Convs over at most this many input channels take this path: a deeper channel-lane
    /// tile hides its store, and loses less to the pad columns on small planes.
    static let maximumChannels = 64
    /// Narrower planes lose too many lanes to the pad columns (1 or 2 of paddedW).
    static let minimumWidth = 16
    /// Passed to the tile at run time so that its row loop stays a loop (`tile3x3`).
    static let kernelRows = 3

    var channels: Int, outChannels: Int, height: Int, width: Int, outH: Int, outW: Int
    var padTop: Int, padLeft: Int, paddedH: Int, paddedW: Int
    /// A 1×1 kernel (`tile1x1`), else 3×3.
    var pointwise: Bool
    /// Grid positions up to the last output pixel: (outH − 1) · paddedW + outW.
    var positions: Int
    /// Per tile half: the lanes that are output pixels (`ck_store_grid16`'s keep mask)…
    var keep: [UInt16]
    /// … and how many output pixels come before its first position, where its kept lanes go.
    var starts: [Int32]

    /// `residual`: the conv has a fused residual Add.
    static func applies(_ s: ConvShape, residual: Bool) -> Bool {
        guard KernelTarget.usesAVX512, s.group == 1, s.strideH == 1, s.strideW == 1, s.dilationH == 1, s.dilationW == 1,
              s.inChannels <= maximumChannels, (s.inChannels + 1) * s.paddedHeight * s.paddedWidth < Int(Int32.max) else { return false }
        if s.kernelH == 1 && s.kernelW == 1 {
            return s.padTop == 0 && s.padLeft == 0 && s.paddedHeight == s.height && s.paddedWidth == s.width
                && (s.outPlane <= maximumPointwisePlane || s.outChannels >= widening * s.inChannels && !residual)
        }
        return s.kernelH == 3 && s.kernelW == 3 && s.outW >= minimumWidth
    }

    /// Unpadded 1×1 convs over at most this many pixels come here too (a plane is its own
    /// grid, no pad columns). Against the direct conv's channel-lane tile, whose
    /// transposing store a 48- or 64-deep tile does not hide, SqueezeNet's 13² 48→192 and
    /// 64→256 expands ran 10–12 % faster; against the GEMM its 27² 32→128 ones 8 %, where
    /// its 55² 64→16 squeeze ran 45 % slower (two 8-channel groups per tile, each reading
    /// all 64 input planes again).
    static let maximumPointwisePlane = 784
    /// Larger unpadded 1×1 convs come here when they widen this much and have no fused
    /// residual: each tile then reads few input planes for many output groups, and the
    /// GEMM's 12×32 tile spends its depth of 16 to 64 on packing B and storing C. Per node
    /// on a Zen 4 core with the tile's register store (`PixelTile32x8.Output`),
    /// alternating builds: SqueezeNet's 55² 16→64 expands 0.163 → 0.140 ms together (16
    /// rounds, 1.15× paired), ResNet-50's 56² 64→256 conv without a residual 1.11 → 0.99
    /// ms (4 rounds), where its three with one moved 0.98–1.00× (the GEMM prefetches a
    /// residual's lines, `SGEMM.prefetchResidual`) and the 55² 64→16 squeeze ran 20 %
    /// slower.
    static let widening = 4

    init(_ s: ConvShape) {
        channels = s.inChannels; outChannels = s.outChannels; height = s.height; width = s.width
        outH = s.outH; outW = s.outW; padTop = s.padTop; padLeft = s.padLeft
        paddedH = s.paddedHeight; paddedW = s.paddedWidth
        pointwise = s.kernelH == 1
        if !pointwise && s.padRight <= s.padLeft && s.padRight < s.kernelW {
            // One pad column between rows serves as a row's right pad and the next row's
            // left pad: a kept position's taps past its row's end read the next row's
            // first columns, which are zeros. One grid position of paddedW is dropped
            // instead of two (SqueezeNet's 55² planes: 1 of 56 rather than 2 of 57).
            // The extra zero row is what the last row's right-pad taps read.
            paddedW = s.padLeft + s.width
            paddedH += 1
        }
        positions = (outH - 1) * paddedW + outW
        let halves = (positions + Self.tilePixels - 1) / Self.tilePixels * 2
        var keep = [UInt16](repeating: 0, count: halves), starts = [Int32](repeating: 0, count: halves)
        for h in 0..<halves {
            let q0 = h * Self.halfTile
            starts[h] = Int32(q0 / paddedW * outW + min(q0 % paddedW, outW))
            var m: UInt16 = 0
            for lane in 0..<Self.halfTile {
                let q = q0 + lane
                if q < positions && q % paddedW < outW { m |= 1 << UInt16(lane) }
            }
            keep[h] = m
        }
        self.keep = keep; self.starts = starts
    }

    var depth: Int { pointwise ? channels : channels * 9 }
    var groups: Int { (outChannels + Self.groupChannels - 1) / Self.groupChannels }
    var tiles: Int { keep.count / 2 }
    var plane: Int { paddedH * paddedW }
    /// The padded planes of one image, then zeros that the last tile's pad lanes read.
    var scratchFloats: Int { channels * plane + Self.tilePixels * 2 }

    /// Weights [cout][c][kh][kw] as [group][depth][8], zero padded past the last channel.
    func pack(_ w: UnsafePointer<Float>) -> TensorStorage {
        RowConvPlan.packGroups(w, outChannels: outChannels, depth: depth)
    }

    /// Always a copy: the last tile's pad lanes read past the planes, into zeros.
    var needsPadding: Bool { true }

    /// Channels `range` of one image into the padded scratch; the task with the last
    /// channel also zeroes the tail.
    func pad(_ x: UnsafePointer<Float>, into scratch: UnsafeMutablePointer<Float>, channels range: Range<Int>) {
        DirectConvPlan.pad(x, into: scratch, channels: range, height: height, width: width, paddedH: paddedH, paddedW: paddedW,
                           padTop: padTop, padLeft: padLeft)
        if range.upperBound == channels { (scratch + channels * plane).update(repeating: 0, count: Self.tilePixels * 2) }
    }

    /// Tiles `range` of one image, every channel group.
    func run(tiles range: Range<Int>, padded: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
             residual: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>) {
        let outPlane = outH * outW, k = depth
        withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.groupChannels * Self.tilePixels) { acc in
            let a = acc.baseAddress!
            for t in range {
                let x = padded + t * Self.tilePixels
                // All 32 positions are output pixels, so one stretch of a row.
                let whole = keep[2 * t] == 0xFFFF && keep[2 * t + 1] == 0xFFFF
                for g in 0..<groups {
                    let c0 = g * Self.groupChannels, chans = Int32(min(Self.groupChannels, outChannels - c0))
                    let w = weights + g * k * Self.groupChannels
                    if whole && chans == Int32(Self.groupChannels) {
                        let at = c0 * outPlane + Int(starts[2 * t])
                        let out = PixelTile32x8.Output(bias: bias.map { $0 + c0 }, residual: residual.map { $0 + at }, relu: relu,
                                                       y: y + at, plane: outPlane)
                        if pointwise {
                            Self.tile1x1(channels: channels, plane: plane, x: x, w: w, storing: out)
                        } else {
                            Self.tile3x3(channels: channels, plane: plane, row: paddedW, kernelRows: Self.kernelRows, x: x, w: w,
                                         storing: out)
                        }
                        continue
                    }
                    if pointwise {
                        Self.tile1x1(channels: channels, plane: plane, x: x, w: w, acc: a)
                    } else {
                        Self.tile3x3(channels: channels, plane: plane, row: paddedW, kernelRows: Self.kernelRows, x: x, w: w, acc: a)
                    }
                    for h in 0..<2 where keep[2 * t + h] != 0 {
                        let at = c0 * outPlane + Int(starts[2 * t + h])
                        ck_store_grid16(a + h * Self.halfTile, Self.tilePixels, bias.map { $0 + c0 }, residual.map { $0 + at },
                                        relu ? 1 : 0, UInt32(keep[2 * t + h]), y + at, outPlane, chans)
                    }
                }
            }
        }
    }

    /// 32 grid positions × 8 channels over the whole depth, a channel's nine taps
    /// unrolled: two input vectors and eight broadcast weights a tap, stored as
    /// acc[channel][32].
    @inline(never)
    static func tile3x3(channels: Int, plane: Int, row: Int, kernelRows: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                        acc: UnsafeMutablePointer<Float>) {
        sum3x3(channels: channels, plane: plane, row: row, kernelRows: kernelRows, x: x, w: w).store(acc)
    }

    /// `tile3x3` for a tile of 32 output pixels and a full group, stored from the registers
    /// (`PixelTile32x8.Output`).
    @inline(never)
    static func tile3x3(channels: Int, plane: Int, row: Int, kernelRows: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                        storing out: PixelTile32x8.Output) {
        sum3x3(channels: channels, plane: plane, row: row, kernelRows: kernelRows, x: x, w: w).store(out)
    }

    @inline(__always)
    static func sum3x3(channels: Int, plane: Int, row: Int, kernelRows: Int, x: UnsafePointer<Float>,
                       w: UnsafePointer<Float>) -> PixelTile32x8 {
        var tile = PixelTile32x8()
        let g = groupChannels
        var p = UnsafeRawPointer(x), wp = w
        let rowBytes = row * 4, planeBytes = plane * 4
        for _ in 0..<channels {
            // A loop over the kernel rows, not unrolled: with all nine taps in one body the
            // compiler hoists their 18 input vectors, which with the 16 accumulators spill.
            var r = p
            for _ in 0..<kernelRows {
                tile.add(r, wp); tile.add(r + 4, wp + g); tile.add(r + 8, wp + 2 * g)
                r += rowBytes
                wp += 3 * g
            }
            p += planeBytes
        }
        return tile
    }
}

extension GridConvPlan {
    /// `tile3x3` for a 1×1 kernel: one tap a channel.
    @inline(never)
    static func tile1x1(channels: Int, plane: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>) {
        sum1x1(channels: channels, plane: plane, x: x, w: w).store(acc)
    }

    /// `tile1x1` stored from the registers (`PixelTile32x8.Output`).
    @inline(never)
    static func tile1x1(channels: Int, plane: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>, storing out: PixelTile32x8.Output) {
        sum1x1(channels: channels, plane: plane, x: x, w: w).store(out)
    }

    @inline(__always)
    static func sum1x1(channels: Int, plane: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>) -> PixelTile32x8 {
        var tile = PixelTile32x8()
        var p = UnsafeRawPointer(x), wp = w
        let planeBytes = plane * 4
        for _ in 0..<channels {
            tile.add(p, wp)
            p += planeBytes
            wp += groupChannels
        }
        return tile
    }

    /// The loop order over memory for one image, for the cache model: the input copied
    /// into the padded scratch, then per tile every group's weights with the tile's input
    /// lines, and the output written once.
    func accessSteps(x: MemoryRegion, weights: MemoryRegion, y: MemoryRegion, into steps: inout [AccessStep]) {
        let padded = MemoryRegion(space: .scratch, offset: 0, bytes: channels * plane * 4)
        steps.append(.read(x))
        steps.append(.write(padded))
        steps.append(.read(weights))
        // One tile reads three rows' worth of 32 positions in every channel.
        let tileInput = channels * (pointwise ? Self.tilePixels : 2 * paddedW + Self.tilePixels + 2) * 4
        if tiles > 1 { steps.append(.reread(weights, times: tiles - 1, between: tileInput)) }
        steps.append(.read(padded))
        steps.append(.write(y))
    }
}
