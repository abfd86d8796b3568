import CKernels
import Model

/// Direct convolution with output pixels in SIMD lanes, for the first conv of image
/// models (3 input channels, 3×3 or 7×7 taps, stride 2): 32 consecutive pixels of one
/// output row × 8 output channels per register tile (16 `SIMD16<Float>` accumulators),
/// the input read as two contiguous vectors per depth index, the weights broadcast.
///
/// Why: `DirectConvPlan` keeps channels in lanes, so each tile ends in a transpose and
/// 24-byte stores into 64 planes; with a depth of 27 that store was as long as the
/// tile's FMAs (SqueezeNet's 3→64 3×3 conv: 0.30 ms against onnxruntime's 0.20). Here
/// every store is 32 contiguous floats of one plane. A stride-2 row is split once into
/// its even and odd columns (`ck_deinterleave_f32`), so that each tap's 32 inputs are
/// contiguous too.
///
/// With 8-lane vectors (AVX2) 32 × 8 would need twice the registers there are, so each
/// group of 8 channels runs as two halves of 4 over 24-pixel tiles (`RowConv+Tiles8`):
/// twelve accumulators, three input vectors and four broadcasts a depth index.
struct RowConvPlan: Sendable {
    static let groupChannels = 8, tilePixels = 32, halfTile = 16
    /// Convs over at most this many input channels take this path: beyond it the
    /// channel-lane tile's depth hides its store.
    static let maximumChannels = 4

    var channels: Int, outChannels: Int, height: Int, width: Int, outH: Int, outW: Int
    var kernelH: Int, kernelW: Int, strideH: Int, padTop: Int, padLeft: Int, paddedW: Int
    /// Padded input rows the phased buffer holds per channel: the whole padded plane, or
    /// a band of it (`banded`).
    var paddedH: Int
    /// Columns of a row are split into `phases` (the stride across: 1 or 2) by parity.
    var phases: Int
    /// Floats of one phase of one padded row (a multiple of 16).
    var phaseWidth: Int
    /// Per depth index k = (channel, kernel row, kernel column): its offset in floats
    /// from an output row's first pixel in the phased input.
    var offsets: [Int32]

    static func applies(_ s: ConvShape, residual: Bool) -> Bool {
        guard s.group == 1, !residual, s.inChannels <= maximumChannels,
              s.dilationH == 1, s.dilationW == 1, s.strideW == 1 || s.strideW == 2, s.outW >= halfTile else { return false }
        return s.inChannels * s.paddedHeight * s.paddedWidth < Int(Int32.max)
    }

    init(_ s: ConvShape) {
        channels = s.inChannels; outChannels = s.outChannels; height = s.height; width = s.width
        outH = s.outH; outW = s.outW; kernelH = s.kernelH; kernelW = s.kernelW; strideH = s.strideH
        padTop = s.padTop; padLeft = s.padLeft
        paddedH = s.paddedHeight; paddedW = s.paddedWidth
        phases = s.strideW
        phaseWidth = ((paddedW + phases - 1) / phases + 15) / 16 * 16
        offsets = Self.tapOffsets(channels: channels, kernelH: kernelH, kernelW: kernelW, paddedH: paddedH, phases: phases,
                                  phaseWidth: phaseWidth)
    }

    /// Per depth index, the tap's offset in the phased buffer (its channel stride follows
    /// `paddedH`).
    private static func tapOffsets(channels: Int, kernelH: Int, kernelW: Int, paddedH: Int, phases: Int, phaseWidth: Int) -> [Int32] {
        var o: [Int32] = []
        o.reserveCapacity(channels * kernelH * kernelW)
        for c in 0..<channels {
            for kh in 0..<kernelH {
                for kw in 0..<kernelW {
                    o.append(Int32(((c * paddedH + kh) * phases + kw % phases) * phaseWidth + kw / phases))
                }
            }
        }
        return o
    }

    /// The plan over a phased buffer that holds `inputRows` padded rows per channel
    /// (`prepare(rows:)`): conv rows computed a band at a time (`ConvPoolBands`).
    func banded(inputRows: Int) -> RowConvPlan {
        var plan = self
        plan.paddedH = inputRows
        plan.offsets = Self.tapOffsets(channels: channels, kernelH: kernelH, kernelW: kernelW, paddedH: inputRows, phases: phases,
                                       phaseWidth: phaseWidth)
        return plan
    }

    /// Padded input rows that conv rows `rows` read.
    func inputRows(for rows: Range<Int>) -> Range<Int> {
        rows.lowerBound * strideH..<(rows.upperBound - 1) * strideH + kernelH
    }

    /// Floats of the phased buffer per channel.
    var channelFloats: Int { paddedH * phases * phaseWidth }

    var depth: Int { offsets.count }
    var groups: Int { (outChannels + Self.groupChannels - 1) / Self.groupChannels }
    var packedFloats: Int { groups * depth * Self.groupChannels }
    /// The phased input of one image.
    var scratchFloats: Int { channels * channelFloats }
    /// Floats between two output rows' first pixels in the phased input.
    var rowStep: Int { strideH * phases * phaseWidth }

    /// Weights [cout][k] (ONNX order) as [group][k][8], zero padded past the last channel.
    func pack(_ w: UnsafePointer<Float>) -> TensorStorage { Self.packGroups(w, outChannels: outChannels, depth: depth) }

    /// [cout][depth] as [group][depth][8] (also `GridConvPlan`'s layout).
    static func packGroups(_ w: UnsafePointer<Float>, outChannels: Int, depth: Int) -> TensorStorage {
        let count = max((outChannels + groupChannels - 1) / groupChannels * groupChannels * depth, 1)
        let storage = TensorStorage(count: count * 4)
        let dst = storage.bytes.assumingMemoryBound(to: Float.self)
        dst.initialize(repeating: 0, count: count)
        for oc in 0..<outChannels {
            let g = oc / groupChannels, lane = oc % groupChannels
            for k in 0..<depth { dst[(g * depth + k) * groupChannels + lane] = w[oc * depth + k] }
        }
        return storage
    }

    /// Channel `c` of one image into the phased scratch: padded with zeros, each padded
    /// row split by column parity when the stride across is 2.
    func prepare(_ x: UnsafePointer<Float>, channel c: Int, into scratch: UnsafeMutablePointer<Float>) {
        prepare(x, channel: c, rows: 0..<paddedH, into: scratch + c * channelFloats)
    }

    /// Padded rows `rows` of channel `c` into `phased` (that channel's first buffer row),
    /// each split by column parity when the stride across is 2: the input row straight
    /// into both phases at the pad's offset, the pad entries zeroed. Why: splitting a
    /// padded copy was a second pass over the image, and SqueezeNet's 600 KB input comes
    /// from L3 every run (the copy was 1.1 % of the model's time).
    func prepare(_ x: UnsafePointer<Float>, channel c: Int, rows: Range<Int>, into phased: UnsafeMutablePointer<Float>) {
        let right = paddedW - padLeft - width
        for r in rows {
            let ih = r - padTop
            let dst = phased + (r - rows.lowerBound) * phases * phaseWidth
            let inside = ih >= 0 && ih < height
            if phases == 1 {
                if inside {
                    ck_pad_row_f32(x + (c * height + ih) * width, width, padLeft, right, dst)
                } else {
                    dst.update(repeating: 0, count: paddedW)
                }
                continue
            }
            let even = dst, odd = dst + phaseWidth
            guard inside else {
                even.update(repeating: 0, count: (paddedW + 1) / 2)
                odd.update(repeating: 0, count: paddedW / 2)
                continue
            }
            // Padded column j = padLeft + i holds input column i, in even[j / 2] or odd[j / 2].
            for j in 0..<padLeft { (j & 1 == 0 ? even : odd)[j >> 1] = 0 }
            for j in padLeft + width..<paddedW { (j & 1 == 0 ? even : odd)[j >> 1] = 0 }
            let evenInputs = (padLeft & 1 == 0 ? even : odd) + (padLeft >> 1)
            let oddInputs = (padLeft & 1 == 0 ? odd : even) + ((padLeft + 1) >> 1)
            ck_deinterleave_f32(x + (c * height + ih) * width, width, evenInputs, oddInputs)
        }
    }

    /// Output rows `rows` of one image, every channel group (`phased` at the first row's
    /// windows: the buffer's row `rows.lowerBound · strideH`): 32-pixel tiles, and a last
    /// 32- or 16-pixel tile that ends at the row's end, overlapping the one before (its
    /// shared outputs are computed twice, equal). Builds with 8-lane vectors run
    /// `runHalves` instead.
    func run(rows: Range<Int>, phased: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
             relu: Bool, into y: RowOutput) {
        #if !PICOJOULE_AVX512
        runHalves(rows: rows, phased: phased, weights: weights, bias: bias, relu: relu, into: y)
        #else
        let k = depth, plane = y.plane
        let full = outW / Self.tilePixels * Self.tilePixels, rest = outW - full
        offsets.withUnsafeBufferPointer { offsets in
            let o = offsets.baseAddress!
            for oh in rows {
                let x = phased + (oh - rows.lowerBound) * rowStep
                for g in 0..<groups {
                    let w = weights + g * k * Self.groupChannels
                    let c0 = g * Self.groupChannels, chans = min(Self.groupChannels, outChannels - c0)
                    let out = y.row(oh, channel: c0)
                    var ow = 0
                    while ow < full {
                        Self.tile32(depth: k, x: x + ow, offsets: o, w: w, bias: bias.map { $0 + c0 }, relu: relu,
                                    y: out + ow, plane: plane, channels: chans)
                        ow += Self.tilePixels
                    }
                    if rest > Self.halfTile && outW >= Self.tilePixels {
                        let at = outW - Self.tilePixels
                        Self.tile32(depth: k, x: x + at, offsets: o, w: w, bias: bias.map { $0 + c0 }, relu: relu,
                                    y: out + at, plane: plane, channels: chans)
                    } else if rest > 0 {
                        let at = outW - Self.halfTile
                        Self.tile16(depth: k, x: x + at, offsets: o, w: w, bias: bias.map { $0 + c0 }, relu: relu,
                                    y: out + at, plane: plane, channels: chans)
                    }
                }
            }
        }
        #endif
    }

    /// Bias and Relu on 16 outputs of one channel, stored at `y`.
    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ y: UnsafeMutablePointer<Float>, bias: Float, relu: Bool) {
        var v = v + SIMD16(repeating: bias)
        if relu { v = v.replacing(with: 0, where: v .< 0) }
        UnsafeMutableRawPointer(y).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    /// 32 pixels × 8 channels: two input vectors and eight broadcast weights a depth index.
    @inline(never)
    static func tile32(depth: Int, x: UnsafePointer<Float>, offsets: UnsafePointer<Int32>, w: UnsafePointer<Float>,
                       bias: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>, plane: Int, channels: Int) {
        var tile = PixelTile32x8()
        var wp = w
        for kk in 0..<depth {
            tile.add(UnsafeRawPointer(x + Int(offsets[kk])), wp)
            wp += groupChannels
        }
        if channels == groupChannels, let bias {
            // A full group: no per-channel test between the stores.
            for j in 0..<groupChannels {
                let (lo, hi) = tile.channel(j)
                store(lo, y + j * plane, bias: bias[j], relu: relu); store(hi, y + j * plane + halfTile, bias: bias[j], relu: relu)
            }
            return
        }
        for j in 0..<channels {
            let (lo, hi) = tile.channel(j), b = bias?[j] ?? 0
            store(lo, y + j * plane, bias: b, relu: relu)
            store(hi, y + j * plane + halfTile, bias: b, relu: relu)
        }
    }

    /// 16 pixels × 8 channels: a row's last tile when at most 16 pixels are left.
    @inline(never)
    static func tile16(depth: Int, x: UnsafePointer<Float>, offsets: UnsafePointer<Int32>, w: UnsafePointer<Float>,
                       bias: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>, plane: Int, channels: Int) {
        typealias V = SIMD16<Float>
        var l0 = V(), l1 = V(), l2 = V(), l3 = V(), l4 = V(), l5 = V(), l6 = V(), l7 = V()
        var wp = w
        for kk in 0..<depth {
            let u = UnsafeRawPointer(x + Int(offsets[kk])).loadUnaligned(as: V.self)
            l0 = l0.addingProduct(V(repeating: wp[0]), u); l1 = l1.addingProduct(V(repeating: wp[1]), u)
            l2 = l2.addingProduct(V(repeating: wp[2]), u); l3 = l3.addingProduct(V(repeating: wp[3]), u)
            l4 = l4.addingProduct(V(repeating: wp[4]), u); l5 = l5.addingProduct(V(repeating: wp[5]), u)
            l6 = l6.addingProduct(V(repeating: wp[6]), u); l7 = l7.addingProduct(V(repeating: wp[7]), u)
            wp += groupChannels
        }
        @inline(__always) func put(_ j: Int, _ v: V) {
            if j < channels { store(v, y + j * plane, bias: bias?[j] ?? 0, relu: relu) }
        }
        put(0, l0); put(1, l1); put(2, l2); put(3, l3); put(4, l4); put(5, l5); put(6, l6); put(7, l7)
    }
}

/// Where a row kernel stores its outputs: row `oh` of channel `c` at
/// `base + c · plane + (oh − firstRow) · rowStride`. A plain conv stores its output
/// tensor (plane = outH · outW, rows of outW, first row 0); a conv with a fused MaxPool
/// stores a band of rows into its padded band buffer (`ConvPoolBands`).
struct RowOutput {
    var base: UnsafeMutablePointer<Float>
    var plane: Int, rowStride: Int, firstRow: Int

    @inline(__always) func row(_ oh: Int, channel c: Int) -> UnsafeMutablePointer<Float> {
        base + c * plane + (oh - firstRow) * rowStride
    }
}

extension RowConvPlan {
    /// The loop order over memory for one image, for the cache model: the input copied
    /// into the phased scratch, then per output row every group's weights with the row's
    /// input lines, and the output written once.
    func accessSteps(x: MemoryRegion, weights: MemoryRegion, y: MemoryRegion, into steps: inout [AccessStep]) {
        let phased = MemoryRegion(space: .scratch, offset: 0, bytes: channels * paddedH * phases * phaseWidth * 4)
        steps.append(.read(x))
        steps.append(.write(phased))
        steps.append(.read(weights))
        // One output row reads kernelH rows of every channel, in every phase.
        let rowInput = channels * kernelH * phases * phaseWidth * 4
        if outH > 1 { steps.append(.reread(weights, times: outH - 1, between: rowInput)) }
        steps.append(.read(phased))
        steps.append(.write(y))
    }
}
