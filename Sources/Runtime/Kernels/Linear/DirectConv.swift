import CKernels
import Model

/// Direct convolution for ungrouped convs with a kernel larger than 1×1 (and, with
/// AVX-512, strided, small-plane or deep 1×1 ones; there shallow 3×3 stride-1 convs take
/// `GridConvPlan`; first convs take `RowConvPlan`) and constant weights: 16 output channels
/// (32 with AVX-512) in SIMD lanes, six output pixels per register tile
/// broadcast straight from a zero-padded copy of the input, the whole depth
/// (channels × taps) summed in registers before one store.
///
/// Why not im2col + GEMM for these: packing the im2col panels every run was 6–16 % of
/// ResNet-50's and DenseNet-121's time, the GEMM's 16-pixel strips pad 7- and 14-wide
/// planes (49 → 64 columns), and its 256-deep blocks read and write the output again
/// per block. Broadcasting pixels lets a tile start anywhere in the plane, so a 7×7
/// plane wastes at most five pixels of one tile, and the padded copy is the only
/// per-run preparation (0.9 MB for ResNet-50's 56×56×64 conv against a 2 MB im2col
/// panel buffer; 166 KB against 64 KB for its 7×7×512 ones).
/// onnxruntime's NCHWc convs vectorize over output channels the same way.
struct DirectConvPlan: Sendable {
    static let pixels = 6
    #if PICOJOULE_AVX512
    /// Output channels of one weight panel: two 16-lane vectors (`Tile6x32`), so a tile
    /// keeps twelve 512-bit accumulators, enough to cover the FMA latency on both pipes.
    /// 64-lane panels (24 accumulators, the broadcasts serving twice the channels) were
    /// measured and dropped: ResNet-50's 14² and 7² 3×3 convs got 5 and 15 % slower, their
    /// panels (0.6 and 1.2 MB) no longer staying in a 1 MB L2 across the tiles.
    static let lanes = 32
    #else
    /// Output channels of one weight panel: two 8-lane vectors per 16 (`Tile6x16`).
    static let lanes = 16
    #endif
    /// Bytes of one depth index's weights in a panel.
    static let laneBytes = lanes * 4
    /// Lanes of the narrow tiles (`microKernel4x16` …) and of one half of the
    /// accumulator block: acc[half][pixel][16].
    static let halfLanes = 16
    /// Packed weights of all panels above this stay in L2 only a panel at a time, so the
    /// panel loop goes outside the tile loop (ResNet's 512-channel 3×3 convs: 9.4 MB of
    /// weights against a 166 KB padded input). Blocking the tiles so that a block's input
    /// lines stay in L2 was measured and dropped: it streamed those weights once per block.
    static let tileOuterWeightBytes = 256 << 10

    var channels: Int, height: Int, width: Int
    var outChannels: Int, outH: Int, outW: Int
    var kernelH: Int
    var strideH: Int, strideW: Int
    var padTop: Int, padLeft: Int
    /// The padded input plane (`ConvShape.paddedHeight`/`paddedWidth`).
    var paddedH: Int, paddedW: Int
    /// Per depth index k = (channel, kernel row, kernel column): its offset in floats
    /// from an output pixel's base in the padded input.
    var offsets: [Int32]
    /// An undilated 3×3 kernel over at least `unrolledMinimumChannels` channels: its full
    /// tiles run `microKernel3x3`.
    var unrolled3x3: Bool
    /// A 1×1 kernel (the AVX-512 build's strided and small-plane 1×1 convs): its tiles
    /// step one channel plane per depth index (`microKernel1x1`).
    var oneByOne: Bool
    /// Two consecutive full tiles of a panel run as one 12-pixel tile (`Tile12x32`): 1×1
    /// kernels with AVX-512, whose 6×32 tile streams its weights from L2 at two vectors
    /// per six broadcasts (SqueezeNet's 13² 512→1000 classifier conv). Not for 3×3
    /// kernels: twelve input pointers and three row offsets do not fit the general
    /// registers, and the spills made ResNet-50 17 % slower.
    var pairsTiles: Bool { oneByOne && Self.lanes > Self.halfLanes }
    /// Two consecutive panels of a full tile run as one 6×64 tile (`Tile6x32x2`): 24
    /// accumulators for four weight vectors and six broadcasts, 0.42 loads an FMA against
    /// the 6×32 tile's 0.67, for kernels larger than 1×1 (1×1 ones pair tiles instead),
    /// while two pairs of panels (the one read and the one prefetched) fit in L2.
    /// Why: on an Intel Xeon (two 512-bit FMA pipes, 2 MB L2, 2026-12-03) the 6×32 tile's
    /// 3×3 convs ran at 85–88 % of the FMA peak with warm caches; paired, ResNet-50's 14²
    /// 256-channel 3×3 convs ran 1.02–1.14 times as fast and its 28² ones 0.97–1.17 (three
    /// comparisons on a noisy host), and its 512-channel ones (590 KB panels, four of them
    /// 2.4 MB) 14 % slower, hence the L2 bound. On a Zen 5 (1 MB L2, 2026-12-03) the 147 KB
    /// panels of its 28² 128-channel convs, which pair there, ran 2–4 % slower paired; the
    /// whole model moved less than its run-to-run spread, so the bound stays one rule.
    var pairsPanels = false

    /// Panels one pass over the tiles runs from panel p on: two where `pairsPanels` pairs
    /// them and both are full, else one.
    func panelsPerPass(from p: Int) -> Int { pairsPanels && (p + 2) * Self.lanes <= outChannels ? 2 : 1 }
    /// Below this the unrolled tile was slower (SqueezeNet's 3-channel first conv, 6 %).
    static let unrolledMinimumChannels = 8

    /// A strided, unpadded 1×1 conv: the input pixels it reads are gathered into outH ×
    /// outW planes first (`pad`), and the tiles run at stride 1 on them. Why: ResNet-50's
    /// 1024×14² → 2048 stride-2 shortcut read its 800 KB input once per 32-channel
    /// weight panel, and with the panel and the next one it does not stay in a 1 MB L2;
    /// gathered it is 200 KB.
    var subsampled = false
    /// The strides of the conv itself (`strideH`, `strideW` are 1 once subsampled).
    var sourceStrideH: Int, sourceStrideW: Int

    init(_ s: ConvShape) {
        channels = s.inChannels; height = s.height; width = s.width
        outChannels = s.outChannels; outH = s.outH; outW = s.outW; kernelH = s.kernelH
        strideH = s.strideH; strideW = s.strideW; padTop = s.padTop; padLeft = s.padLeft
        paddedH = s.paddedHeight; paddedW = s.paddedWidth
        sourceStrideH = s.strideH; sourceStrideW = s.strideW
        if s.kernelH == 1 && s.kernelW == 1 && (s.strideH > 1 || s.strideW > 1) && s.padTop == 0 && s.padLeft == 0
            && s.paddedHeight == s.height && s.paddedWidth == s.width {
            subsampled = true
            strideH = 1; strideW = 1; paddedH = s.outH; paddedW = s.outW
        }
        var o: [Int32] = []
        o.reserveCapacity(s.inChannels * s.taps)
        for c in 0..<s.inChannels {
            for kh in 0..<s.kernelH {
                for kw in 0..<s.kernelW {
                    o.append(Int32((c * paddedH + kh * s.dilationH) * paddedW + kw * s.dilationW))
                }
            }
        }
        offsets = o
        oneByOne = s.kernelH == 1 && s.kernelW == 1
        unrolled3x3 = s.kernelH == 3 && s.kernelW == 3 && s.dilationH == 1 && s.dilationW == 1
            && s.inChannels >= Self.unrolledMinimumChannels
        pairsPanels = !oneByOne && Self.lanes > Self.halfLanes && 4 * offsets.count * Self.laneBytes <= HostCache.l2Bytes
    }

    /// Whether `DirectConvPlan` serves a conv of this shape: offsets must fit 32 bits.
    /// With 16-lane panels (AVX2) 1×1 convs stay on the GEMM: strided ones broadcast from
    /// a new line of another channel plane at nearly every depth step (26 against 34
    /// GFLOP/s in ResNet-50 on Zen 1), and unstrided ones gained nothing. With 32-lane
    /// panels (AVX-512, Zen 5) strided 1×1 convs and those over at most `smallPlane`
    /// pixels come here: the GEMM's 16-column strips leave a 7×7 plane a 1-column strip,
    /// where 6-pixel tiles leave one pixel of 49 (ResNet-50's 7² 1×1 convs 0.70 → 0.66 ms;
    /// the whole model about 1 % faster with the strided ones too).
    static func applies(_ s: ConvShape) -> Bool {
        guard s.group == 1, s.inChannels * s.paddedHeight * s.paddedWidth < Int(Int32.max) else { return false }
        if s.taps > 1 { return true }
        guard lanes > halfLanes else { return false }
        return s.strideH > 1 || s.strideW > 1 || s.outPlane <= smallPlane
            || s.inChannels >= deepChannels && s.outPlane <= deepPlane && packedBytes(s) <= tileOuterWeightBytes
    }

    /// Bytes of a shape's packed weight panels (`packedFloats` before the plan exists).
    static func packedBytes(_ s: ConvShape) -> Int { (s.outChannels + lanes - 1) / lanes * laneBytes * s.inChannels * s.taps }

    /// Planes up to this many pixels take the direct path for 1×1 convs (AVX-512 only).
    static let smallPlane = 196
    /// 1×1 convs over at least `deepChannels` input channels and at most `deepPlane`
    /// pixels come here too: ResNet-50's 28² 512→128 and 512→256 convs ran 10 % faster
    /// than on the GEMM (their 512-deep tiles hide the transposing store), where its 28²
    /// 128→512 ones ran 2–4 % slower and its 56² 256→64 ones no faster. Only while the
    /// weights run tile-outer (`tileOuterWeightBytes`): panel-outer, each panel reads the
    /// whole 512-plane input again through L1, and on an Intel Xeon (2 MB L2, 2026-12-03)
    /// the 28² 512→256 conv took 2.2 ms here against 1.43 ms on the GEMM, alternating
    /// builds over 40 rounds (`scripts/bench-nodes.py --baseline`); its 512→128 ones, 256 KB
    /// of weights, stay and were no slower than the GEMM there.
    static let deepChannels = 512, deepPlane = 784

    var depth: Int { offsets.count }
    var panels: Int { (outChannels + Self.lanes - 1) / Self.lanes }
    var outPlane: Int { outH * outW }
    var tiles: Int { (outPlane + Self.pixels - 1) / Self.pixels }
    /// False when the padded plane is the input itself (no pads, every row and column
    /// read): the kernel then reads the input in place and needs no scratch.
    var needsPadding: Bool { subsampled || padTop != 0 || padLeft != 0 || paddedH != height || paddedW != width }
    var paddedFloats: Int { needsPadding ? channels * paddedH * paddedW : 0 }
    var packedFloats: Int { panels * Self.lanes * depth }
    var tileOuter: Bool { packedFloats * 4 <= Self.tileOuterWeightBytes }

    /// Weights [cout][k] (ONNX order) as [panel][k][16], zero padded past the last channel.
    func pack(_ w: UnsafePointer<Float>) -> TensorStorage {
        let storage = TensorStorage(count: max(packedFloats, 1) * 4)
        let dst = storage.bytes.assumingMemoryBound(to: Float.self)
        dst.initialize(repeating: 0, count: max(packedFloats, 1))
        let k = depth
        for oc in 0..<outChannels {
            let p = oc / Self.lanes, lane = oc % Self.lanes
            for kk in 0..<k { dst[(p * k + kk) * Self.lanes + lane] = w[oc * k + kk] }
        }
        return storage
    }

    /// Copies one image's input planes into `padded` with zeros around them.
    func pad(_ x: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>, channels range: Range<Int>) {
        if subsampled {
            for c in range {
                let src = x + c * height * width, dst = padded + c * outH * outW
                for oh in 0..<outH {
                    let row = src + oh * sourceStrideH * width, out = dst + oh * outW
                    if sourceStrideW == 2 {
                        ck_gather_even_f32(row, outW, out)
                    } else {
                        for ow in 0..<outW { out[ow] = row[ow * sourceStrideW] }
                    }
                }
            }
            return
        }
        Self.pad(x, into: padded, channels: range, height: height, width: width, paddedH: paddedH, paddedW: paddedW,
                 padTop: padTop, padLeft: padLeft)
    }

    /// Planes `range` of height × width into planes of paddedH × paddedW (also `GridConvPlan`'s).
    static func pad(_ x: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>, channels range: Range<Int>,
                    height: Int, width: Int, paddedH: Int, paddedW: Int, padTop: Int, padLeft: Int) {
        let right = paddedW - padLeft - width
        for c in range {
            let src = x + c * height * width
            var row = padded + c * paddedH * paddedW
            for r in 0..<paddedH {
                let ih = r - padTop
                if ih >= 0 && ih < height {
                    ck_pad_row_f32(src + ih * width, width, padLeft, right, row)
                } else {
                    row.update(repeating: 0, count: paddedW)
                }
                row += paddedW
            }
        }
    }

    /// Output tiles t0..<t1 of one image: every panel, in the loop order that keeps the
    /// weights or the input lines of a tile in cache.
    func run(tiles range: Range<Int>, padded: UnsafePointer<Float>, weights: UnsafePointer<Float>,
             bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>) {
        run(tiles: range, padded: padded, weights: weights, bias: bias, residual: residual, relu: relu, y: y, sums: nil)
    }

    /// `run`, or with `sums` (a fused GlobalAveragePool; no residual) each channel's
    /// stored values (after bias and Relu) added into sums[channel] instead of y.
    func run(tiles range: Range<Int>, padded: UnsafePointer<Float>, weights: UnsafePointer<Float>,
             bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>,
             sums: UnsafeMutablePointer<Float>?) {
        guard !range.isEmpty else { return }
        offsets.withUnsafeBufferPointer { offsets in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * Self.pixels * Self.lanes) { acc in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * Self.pixels) { bases in
                    let k = depth
                    // The first pixel of the next tile, as (row, column): stepped rather than
                    // divided, since six divisions per tile cost as much as a 27-deep tile.
                    var oh = range.lowerBound * Self.pixels / outW, ow = range.lowerBound * Self.pixels % outW
                    func setBases(_ t: Int, at first: Int = 0) {
                        let count = Swift.min(Self.pixels, outPlane - t * Self.pixels)
                        var h = oh, w = ow
                        for i in first..<first + Self.pixels {
                            // Pixels past the plane's end recompute the first one; they are not stored.
                            if i - first < count {
                                bases[i] = h * strideH * paddedW + w * strideW
                                w += 1
                                if w == outW { w = 0; h += 1 }
                            } else {
                                bases[i] = bases[first]
                            }
                        }
                        oh = h; ow = w
                    }
                    @inline(__always)
                    func tile<T: DirectConvTile>(_ kind: T.Type, _ k: Int, _ x: UnsafePointer<Float>, _ b: UnsafePointer<Int>,
                                                 _ o: UnsafePointer<Int32>, _ w: UnsafePointer<Float>, _ a: UnsafeMutablePointer<Float>,
                                                 _ ahead: Prefetch?, panelBytes: Int = 0) {
                        if unrolled3x3 {
                            Self.microKernel3x3(kind, channels: channels, x: x, bases: b, offsets: o, w: w, acc: a, ahead: ahead,
                                                panelBytes: panelBytes)
                        } else if oneByOne {
                            Self.microKernel1x1(kind, channels: channels, plane: paddedH * paddedW, x: x, bases: b, w: w, acc: a,
                                                ahead: ahead, panelBytes: panelBytes)
                        } else {
                            Self.microKernel(kind, depth: k, x: x, bases: b, offsets: o, w: w, acc: a, ahead: ahead,
                                             panelBytes: panelBytes)
                        }
                    }
                    func one(_ t: Int, _ p: Int, bases first: Int = 0, ahead: Prefetch? = nil) {
                        let q0 = t * Self.pixels, count = Swift.min(Self.pixels, outPlane - q0)
                        let w = weights + p * k * Self.lanes
                        let chans = Swift.min(Self.lanes, outChannels - p * Self.lanes)
                        let b = UnsafePointer(bases.baseAddress! + first), o = offsets.baseAddress!, a = acc.baseAddress!
                        if count <= 4 && chans > Self.halfLanes / 2 {
                            // A plane's last tile: 7×7 planes end in a 1-pixel tile, where the
                            // full tile would spend 12 cycles a depth step on one pixel.
                            var half = 0
                            #if PICOJOULE_AVX512
                            if count == 1 && chans > Self.halfLanes {
                                Self.microKernel1x32(depth: k, x: padded, bases: b, offsets: o, w: w, acc: a)
                                half = 2
                            }
                            #endif
                            while half * Self.halfLanes < chans {
                                let wh = w + half * Self.halfLanes, ah = a + half * Self.pixels * Self.halfLanes
                                if count == 1 {
                                    Self.microKernel1x16(depth: k, x: padded, bases: b, offsets: o, w: wh, acc: ah)
                                } else if count == 2 {
                                    Self.microKernel2x16(depth: k, x: padded, bases: b, offsets: o, w: wh, acc: ah)
                                } else {
                                    Self.microKernel4x16(depth: k, x: padded, bases: b, offsets: o, w: wh, acc: ah)
                                }
                                half += 1
                            }
                        } else {
                            // The panel's lanes in the widest tiles that are at most half zero
                            // padding: a last panel of 12 channels runs 6×16, of 8 the 6×8 tile.
                            var lane = 0
                            while lane < chans {
                                let left = chans - lane, wl = w + lane, al = a + lane / Self.halfLanes * Self.pixels * Self.halfLanes
                                if left <= Self.halfLanes / 2 {
                                    Self.microKernel6x8(depth: k, x: padded, bases: b, offsets: o, w: wl, acc: al)
                                    lane += Self.halfLanes / 2
                                    continue
                                }
                                let a = lane == 0 ? ahead : nil
                                #if PICOJOULE_AVX512
                                if left > 16 {
                                    tile(Tile6x32.self, k, padded, b, o, wl, al, a)
                                    lane += 32
                                } else {
                                    tile(Tile6x16.self, k, padded, b, o, wl, al, a)
                                    lane += 16
                                }
                                #else
                                tile(Tile6x16.self, k, padded, b, o, wl, al, a)
                                lane += 16
                                #endif
                            }
                        }
                        store(a, panel: p, q0: q0, count: count, bias: bias, residual: residual, relu: relu, y: y, sums: sums)
                    }
                    // Panels p and p + 1 of a full tile as one 6×64 tile (`pairsPanels`).
                    func two(_ t: Int, _ p: Int, ahead: Prefetch? = nil) {
                        #if PICOJOULE_AVX512
                        let q0 = t * Self.pixels
                        if q0 + Self.pixels <= outPlane {
                            let a = acc.baseAddress!
                            tile(Tile6x32x2.self, k, padded, UnsafePointer(bases.baseAddress!), offsets.baseAddress!,
                                 weights + p * k * Self.lanes, a, ahead, panelBytes: k * Self.laneBytes)
                            store(a, panel: p, q0: q0, count: Self.pixels, bias: bias, residual: residual, relu: relu, y: y, sums: sums)
                            store(a + Self.pixels * Self.lanes, panel: p + 1, q0: q0, count: Self.pixels, bias: bias,
                                  residual: residual, relu: relu, y: y, sums: sums)
                            return
                        }
                        #endif
                        one(t, p, ahead: ahead)
                        one(t, p + 1)
                    }
                    // Tiles t and t + 1 of panel p as one 12-pixel tile (`pairsTiles`), when both
                    // are full and the panel has more than 16 channels; else one by one.
                    // With `tail`, tile t + 2 too, the plane's last, of one pixel (`Tile13x32`).
                    func pair(_ t: Int, _ p: Int, ahead: Prefetch? = nil, tail: Bool = false) {
                        #if PICOJOULE_AVX512
                        if tail && outChannels - p * Self.lanes > Self.halfLanes {
                            let a = acc.baseAddress!, q0 = t * Self.pixels
                            Self.microKernel1x1(Tile13x32.self, channels: channels, plane: paddedH * paddedW, x: padded,
                                                bases: UnsafePointer(bases.baseAddress!), w: weights + p * k * Self.lanes, acc: a,
                                                ahead: ahead)
                            for block in 0..<3 {
                                store(a + block * Self.pixels * Self.lanes, panel: p, q0: q0 + block * Self.pixels,
                                      count: block == 2 ? 1 : Self.pixels, bias: bias, residual: residual, relu: relu, y: y, sums: sums)
                            }
                            return
                        }
                        #endif
                        if tail {
                            pair(t, p, ahead: ahead)
                            one(t + 2, p, bases: 2 * Self.pixels)
                            return
                        }
                        #if PICOJOULE_AVX512
                        if outChannels - p * Self.lanes > Self.halfLanes {
                            let a = acc.baseAddress!, q0 = t * Self.pixels
                            Self.microKernel1x1(Tile12x32.self, channels: channels, plane: paddedH * paddedW, x: padded,
                                                bases: UnsafePointer(bases.baseAddress!), w: weights + p * k * Self.lanes, acc: a,
                                                ahead: ahead)
                            store(a, panel: p, q0: q0, count: Self.pixels, bias: bias, residual: residual, relu: relu, y: y, sums: sums)
                            store(a + Self.pixels * Self.lanes, panel: p, q0: q0 + Self.pixels, count: Self.pixels, bias: bias,
                                  residual: residual, relu: relu, y: y, sums: sums)
                            return
                        }
                        #endif
                        one(t, p, ahead: ahead)
                        one(t + 1, p, bases: Self.pixels)
                    }
                    func pairable(_ t: Int) -> Bool {
                        pairsTiles && t + 1 < range.upperBound && (t + 2) * Self.pixels <= outPlane
                    }
                    // Tiles t and t + 1 full and t + 2 the plane's 1-pixel last: one 13-pixel
                    // pass over the panel instead of two.
                    func pairsWithTail(_ t: Int) -> Bool {
                        pairsTiles && t + 3 == range.upperBound && (t + 2) * Self.pixels + 1 == outPlane
                    }
                    if tileOuter {
                        var t = range.lowerBound
                        while t < range.upperBound {
                            if pairsWithTail(t) {
                                setBases(t)
                                setBases(t + 1, at: Self.pixels)
                                setBases(t + 2, at: 2 * Self.pixels)
                                for p in 0..<panels { pair(t, p, tail: true) }
                                t += 3
                            } else if pairable(t) {
                                setBases(t)
                                setBases(t + 1, at: Self.pixels)
                                for p in 0..<panels { pair(t, p) }
                                t += 2
                            } else {
                                setBases(t)
                                var p = 0
                                while p < panels {
                                    let width = panelsPerPass(from: p)
                                    if width == 2 { two(t, p) } else { one(t, p) }
                                    p += width
                                }
                                t += 1
                            }
                        }
                    } else {
                        let h0 = oh, w0 = ow
                        // The j-th tile of a panel asks for the j-th stretch of the next
                        // panel's lines (`Prefetch`): one line per depth index, one per
                        // kernel row of a channel in the unrolled 3×3 tile.
                        let panelBytes = k * Self.laneBytes, stretch = (unrolled3x3 ? channels * 3 : k) * 64
                        var p = 0
                        while p < panels {
                            oh = h0; ow = w0
                            var t = range.lowerBound, j = 0
                            let width = panelsPerPass(from: p), following = Swift.min(panelsPerPass(from: p + width), panels - p - width)
                            let next = UnsafeRawPointer(weights + (p + width) * k * Self.lanes)
                            func ahead() -> Prefetch? {
                                defer { j += 1 }
                                guard following > 0, j * stretch < following * panelBytes else { return nil }
                                return Prefetch(from: next + j * stretch, step: 64)
                            }
                            defer { p += width }
                            while t < range.upperBound {
                                if width == 2 {
                                    setBases(t)
                                    two(t, p, ahead: ahead())
                                    t += 1
                                } else if pairsWithTail(t) {
                                    setBases(t)
                                    setBases(t + 1, at: Self.pixels)
                                    setBases(t + 2, at: 2 * Self.pixels)
                                    pair(t, p, ahead: ahead(), tail: true)
                                    t += 3
                                } else if pairable(t) {
                                    setBases(t)
                                    setBases(t + 1, at: Self.pixels)
                                    pair(t, p, ahead: ahead())
                                    t += 2
                                } else {
                                    setBases(t)
                                    one(t, p, ahead: ahead())
                                    t += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// acc[half][pixel][16] to y[channel][pixel]: each channel's pixels are contiguous in
    /// NCHW. A fused residual (y's layout) is added before the Relu. With `sums`, added
    /// into sums[channel] instead (`addToSums`).
    @inline(__always)
    func store(_ acc: UnsafeMutablePointer<Float>, panel p: Int, q0: Int, count: Int,
               bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, relu: Bool, y: UnsafeMutablePointer<Float>,
               sums: UnsafeMutablePointer<Float>?) {
        if let sums {
            addToSums(acc, panel: p, count: count, bias: bias, relu: relu, sums: sums)
            return
        }
        let panelStart = p * Self.lanes, panelChannels = min(Self.lanes, outChannels - panelStart)
        var half = 0
        while half * Self.halfLanes < panelChannels {
            let c0 = panelStart + half * Self.halfLanes, channels = min(Self.halfLanes, panelChannels - half * Self.halfLanes)
            let block = acc + half * Self.pixels * Self.halfLanes
            half += 1
            if count == Self.pixels && channels % 4 == 0 {
                ck_store_tile_6x16_transposed(block, bias.map { $0 + c0 }, residual.map { $0 + c0 * outPlane + q0 }, relu ? 1 : 0,
                                              y + c0 * outPlane + q0, outPlane, Int32(channels / 4))
                continue
            }
            for j in 0..<channels {
                let b = bias?[c0 + j] ?? 0
                let dst = y + (c0 + j) * outPlane + q0
                let r = residual.map { $0 + (c0 + j) * outPlane + q0 }
                for i in 0..<count {
                    let v = block[i * Self.halfLanes + j] + b + (r?[i] ?? 0)
                    dst[i] = relu && v < 0 ? 0 : v
                }
            }
        }
    }

    /// The tile's outputs, as `store` would write them, summed per channel into
    /// sums[channel]: a full half as sixteen lanes, a partial one lane by lane. No fused
    /// residual: its values lie along the pixels, across the lanes (a conv with one
    /// averages its stored output instead, `ConvKernel.AveragedRun.whole`).
    @inline(__always)
    func addToSums(_ acc: UnsafeMutablePointer<Float>, panel p: Int, count: Int, bias: UnsafePointer<Float>?, relu: Bool,
                   sums: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let panelStart = p * Self.lanes, panelChannels = min(Self.lanes, outChannels - panelStart)
        var half = 0
        while half * Self.halfLanes < panelChannels {
            let c0 = panelStart + half * Self.halfLanes, channels = min(Self.halfLanes, panelChannels - half * Self.halfLanes)
            let block = UnsafeRawPointer(acc + half * Self.pixels * Self.halfLanes)
            half += 1
            if channels == Self.halfLanes {
                let b = bias.map { UnsafeRawPointer($0 + c0).loadUnaligned(as: V.self) } ?? V()
                var total = V()
                for i in 0..<count {
                    let v = block.loadUnaligned(fromByteOffset: i * Self.halfLanes * 4, as: V.self) + b
                    total += relu ? v.replacing(with: 0, where: v .< 0) : v
                }
                let out = UnsafeMutableRawPointer(sums + c0)
                out.storeBytes(of: out.loadUnaligned(as: V.self) + total, as: V.self)
                continue
            }
            let values = block.assumingMemoryBound(to: Float.self)
            for j in 0..<channels {
                let b = bias?[c0 + j] ?? 0
                var total: Float = 0
                for i in 0..<count {
                    let v = values[i * Self.halfLanes + j] + b
                    total += relu && v < 0 ? 0 : v
                }
                sums[c0 + j] += total
            }
        }
    }

    /// A register tile (`Tile6x16`, `Tile6x32` …) over the whole depth: for each depth
    /// index, its pixels' values broadcast against the panel's weights at that index.
    @inline(never)
    static func microKernel<T: DirectConvTile>(_: T.Type, depth: Int, x: UnsafePointer<Float>, bases: UnsafePointer<Int>,
                                               offsets: UnsafePointer<Int32>, w: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>,
                                               ahead: Prefetch? = nil, panelBytes: Int = 0) {
        var tile = T(bases: bases, panelBytes: panelBytes)
        var wp = UnsafeRawPointer(w)
        let ahead = ahead ?? Prefetch(from: UnsafeRawPointer(w), step: 0)
        var next = ahead.from
        for kk in 0..<depth {
            ck_prefetch_l2(next)
            tile.step(x + Int(offsets[kk]), wp)
            wp += laneBytes
            next += ahead.step
        }
        tile.store(acc)
    }

    /// Lines of the next weight panel that a tile asks for, one per depth index (three
    /// per channel of a 3×3 kernel), `step` bytes apart from `from`. Why: weights above
    /// `tileOuterWeightBytes` are read a panel at a time, and a run's first tile of a
    /// panel found it in DRAM (ResNet-50's weights are 100 MB; every conv's leave the
    /// caches between runs), reading 128 bytes a 12-cycle step, faster than one core's
    /// share of DRAM. Asked for during the panel before, the lines arrive at the pace of
    /// its tiles. Without one a tile asks for its own first weights over and over
    /// (step 0), a line already in L1.
    struct Prefetch {
        var from: UnsafeRawPointer
        var step: Int
    }

    /// The tile of a 1×1 kernel: the next channel plane at each depth index, stepped
    /// rather than loaded from `offsets` (one load and its wait less per FMA group).
    @inline(never)
    static func microKernel1x1<T: DirectConvTile>(_: T.Type, channels: Int, plane: Int, x: UnsafePointer<Float>,
                                                  bases: UnsafePointer<Int>, w: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>,
                                                  ahead: Prefetch? = nil, panelBytes: Int = 0) {
        var tile = T(bases: bases, panelBytes: panelBytes)
        var wp = UnsafeRawPointer(w)
        var row = x
        let ahead = ahead ?? Prefetch(from: UnsafeRawPointer(w), step: 0)
        var next = ahead.from
        for _ in 0..<channels {
            ck_prefetch_l2(next)
            tile.step(row, wp)
            row += plane
            wp += laneBytes
            next += ahead.step
        }
        tile.store(acc)
    }

    /// The tile of an undilated 3×3 kernel (`unrolled3x3`): a kernel row's three taps
    /// unrolled at consecutive inputs, one offset loaded per row (`offsets` at its first
    /// tap) instead of one per depth index. Why: the generic loop's offset load and loop
    /// step per tap left ResNet-50's 14² and 28² 3×3 convs at 90 % of the FMA peak with
    /// warm caches; with the taps unrolled they ran 5–6 % faster (`scripts/bench-linear.sh
    /// resnet`, alternating). Not a channel's nine taps: over nine steps the compiler
    /// hoisted the weight loads of later taps and spilled the 24-accumulator `Tile6x32x2`
    /// (some 60 stack accesses per channel), and a row at a time it keeps every value in
    /// registers: in the model on a Zen 4 core (`scripts/bench-nodes.py --baseline`, 8
    /// rounds) SqueezeNet's paired 13² 64→256 convs ran 1.06–1.07× as fast and its 48→192
    /// ones 1.03–1.04×, ResNet-50's 56² 128-channel stride-2 conv 1.15× (6 rounds).
    @inline(never)
    static func microKernel3x3<T: DirectConvTile>(_: T.Type, channels: Int, x: UnsafePointer<Float>, bases: UnsafePointer<Int>,
                                                  offsets: UnsafePointer<Int32>, w: UnsafePointer<Float>,
                                                  acc: UnsafeMutablePointer<Float>, ahead: Prefetch? = nil, panelBytes: Int = 0) {
        var tile = T(bases: bases, panelBytes: panelBytes)
        var wp = UnsafeRawPointer(w)
        let s = laneBytes
        let ahead = ahead ?? Prefetch(from: UnsafeRawPointer(w), step: 0)
        var next = ahead.from
        var row = offsets
        if T.unrollsChannels {
            let rowStride = Int(offsets[3] - offsets[0])
            for _ in 0..<channels {
                ck_prefetch_l2(next); ck_prefetch_l2(next + ahead.step); ck_prefetch_l2(next + 2 * ahead.step)
                next += 3 * ahead.step
                let row0 = x + Int(row.pointee), row1 = row0 + rowStride, row2 = row1 + rowStride
                tile.step(row0, wp); tile.step(row0 + 1, wp + s); tile.step(row0 + 2, wp + 2 * s)
                tile.step(row1, wp + 3 * s); tile.step(row1 + 1, wp + 4 * s); tile.step(row1 + 2, wp + 5 * s)
                tile.step(row2, wp + 6 * s); tile.step(row2 + 1, wp + 7 * s); tile.step(row2 + 2, wp + 8 * s)
                wp += 9 * s
                row += 9
            }
            tile.store(acc)
            return
        }
        for _ in 0..<channels * 3 {
            ck_prefetch_l2(next)
            next += ahead.step
            let p = x + Int(row.pointee)
            tile.step(p, wp); tile.step(p + 1, wp + s); tile.step(p + 2, wp + 2 * s)
            wp += 3 * s
            row += 3
        }
        tile.store(acc)
    }
}

/// A register tile of the direct conv: six pixels' accumulators for some lanes of a
/// weight panel (`DirectConvPlan.laneBytes` apart per depth index), where each pixel's
/// input starts, and how it stores acc[lane / 16][pixel][lane % 16].
protocol DirectConvTile {
    /// `panelBytes`: how far the next weight panel starts, for tiles that span two.
    init(bases: UnsafePointer<Int>, panelBytes: Int)
    /// Whether `microKernel3x3` unrolls a channel's nine taps for this tile, else one
    /// kernel row at a time (the 24-accumulator tile, which spills over nine).
    static var unrollsChannels: Bool { get }
    /// One depth index: the six pixels' inputs at `p` (the depth index's position in the
    /// padded input, plus each pixel's base) against the weights at `wp`.
    mutating func step(_ p: UnsafePointer<Float>, _ wp: UnsafeRawPointer)
    func store(_ acc: UnsafeMutablePointer<Float>)
}

/// Six pixels' accumulators for 16 channels, and where each pixel's input starts.
struct Tile6x16: DirectConvTile {
    static var unrollsChannels: Bool { true }
    typealias V = SIMD8<Float>
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
    var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
    let b0: Int, b1: Int, b2: Int, b3: Int, b4: Int, b5: Int

    @inline(__always)
    init(bases: UnsafePointer<Int>, panelBytes: Int) {
        b0 = bases[0]; b1 = bases[1]; b2 = bases[2]; b3 = bases[3]; b4 = bases[4]; b5 = bases[5]
    }

    /// One depth index: the six pixels' inputs at `p` against the 16 weights at `wp`.
    @inline(__always)
    mutating func step(_ p: UnsafePointer<Float>, _ wp: UnsafeRawPointer) {
        let w0 = wp.loadUnaligned(as: V.self), w1 = wp.loadUnaligned(fromByteOffset: 32, as: V.self)
        var v = V(repeating: p[b0])
        c00 = c00.addingProduct(v, w0); c01 = c01.addingProduct(v, w1)
        v = V(repeating: p[b1])
        c10 = c10.addingProduct(v, w0); c11 = c11.addingProduct(v, w1)
        v = V(repeating: p[b2])
        c20 = c20.addingProduct(v, w0); c21 = c21.addingProduct(v, w1)
        v = V(repeating: p[b3])
        c30 = c30.addingProduct(v, w0); c31 = c31.addingProduct(v, w1)
        v = V(repeating: p[b4])
        c40 = c40.addingProduct(v, w0); c41 = c41.addingProduct(v, w1)
        v = V(repeating: p[b5])
        c50 = c50.addingProduct(v, w0); c51 = c51.addingProduct(v, w1)
    }

    /// acc[pixel][lane].
    @inline(__always)
    func store(_ acc: UnsafeMutablePointer<Float>) {
        let out = UnsafeMutableRawPointer(acc)
        out.storeBytes(of: c00, toByteOffset: 0, as: V.self); out.storeBytes(of: c01, toByteOffset: 32, as: V.self)
        out.storeBytes(of: c10, toByteOffset: 64, as: V.self); out.storeBytes(of: c11, toByteOffset: 96, as: V.self)
        out.storeBytes(of: c20, toByteOffset: 128, as: V.self); out.storeBytes(of: c21, toByteOffset: 160, as: V.self)
        out.storeBytes(of: c30, toByteOffset: 192, as: V.self); out.storeBytes(of: c31, toByteOffset: 224, as: V.self)
        out.storeBytes(of: c40, toByteOffset: 256, as: V.self); out.storeBytes(of: c41, toByteOffset: 288, as: V.self)
        out.storeBytes(of: c50, toByteOffset: 320, as: V.self); out.storeBytes(of: c51, toByteOffset: 352, as: V.self)
    }
}

#if PICOJOULE_AVX512
/// Six pixels' accumulators for 32 channels in 512-bit registers (twelve `SIMD16<Float>`),
/// and where each pixel's input starts. Stores acc[half][pixel][16].
struct Tile6x32: DirectConvTile {
    static var unrollsChannels: Bool { true }
    typealias V = SIMD16<Float>
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
    var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
    let b0: Int, b1: Int, b2: Int, b3: Int, b4: Int, b5: Int

    @inline(__always)
    init(bases: UnsafePointer<Int>, panelBytes: Int) {
        b0 = bases[0]; b1 = bases[1]; b2 = bases[2]; b3 = bases[3]; b4 = bases[4]; b5 = bases[5]
    }

    /// One depth index: the six pixels' inputs at `p` against the 32 weights at `wp`.
    @inline(__always)
    mutating func step(_ p: UnsafePointer<Float>, _ wp: UnsafeRawPointer) {
        let w0 = wp.loadUnaligned(as: V.self), w1 = wp.loadUnaligned(fromByteOffset: 64, as: V.self)
        var v = V(repeating: p[b0])
        c00 = c00.addingProduct(v, w0); c01 = c01.addingProduct(v, w1)
        v = V(repeating: p[b1])
        c10 = c10.addingProduct(v, w0); c11 = c11.addingProduct(v, w1)
        v = V(repeating: p[b2])
        c20 = c20.addingProduct(v, w0); c21 = c21.addingProduct(v, w1)
        v = V(repeating: p[b3])
        c30 = c30.addingProduct(v, w0); c31 = c31.addingProduct(v, w1)
        v = V(repeating: p[b4])
        c40 = c40.addingProduct(v, w0); c41 = c41.addingProduct(v, w1)
        v = V(repeating: p[b5])
        c50 = c50.addingProduct(v, w0); c51 = c51.addingProduct(v, w1)
    }

    @inline(__always)
    func store(_ acc: UnsafeMutablePointer<Float>) {
        let out = UnsafeMutableRawPointer(acc)
        out.storeBytes(of: c00, toByteOffset: 0, as: V.self); out.storeBytes(of: c01, toByteOffset: 384, as: V.self)
        out.storeBytes(of: c10, toByteOffset: 64, as: V.self); out.storeBytes(of: c11, toByteOffset: 448, as: V.self)
        out.storeBytes(of: c20, toByteOffset: 128, as: V.self); out.storeBytes(of: c21, toByteOffset: 512, as: V.self)
        out.storeBytes(of: c30, toByteOffset: 192, as: V.self); out.storeBytes(of: c31, toByteOffset: 576, as: V.self)
        out.storeBytes(of: c40, toByteOffset: 256, as: V.self); out.storeBytes(of: c41, toByteOffset: 640, as: V.self)
        out.storeBytes(of: c50, toByteOffset: 320, as: V.self); out.storeBytes(of: c51, toByteOffset: 704, as: V.self)
    }
}

/// Six pixels' accumulators for two 32-channel weight panels (24 `SIMD16<Float>`): four
/// weight vectors for six broadcasts. Stores panel p's block acc[half][pixel][16], then
/// panel p + 1's `pixels · lanes` floats on.
struct Tile6x32x2: DirectConvTile {
    static var unrollsChannels: Bool { false }
    typealias V = SIMD16<Float>
    var a00 = V(), a01 = V(), a10 = V(), a11 = V(), a20 = V(), a21 = V()
    var a30 = V(), a31 = V(), a40 = V(), a41 = V(), a50 = V(), a51 = V()
    var b00 = V(), b01 = V(), b10 = V(), b11 = V(), b20 = V(), b21 = V()
    var b30 = V(), b31 = V(), b40 = V(), b41 = V(), b50 = V(), b51 = V()
    let b0: Int, b1: Int, b2: Int, b3: Int, b4: Int, b5: Int
    let second: Int

    @inline(__always)
    init(bases: UnsafePointer<Int>, panelBytes: Int) {
        b0 = bases[0]; b1 = bases[1]; b2 = bases[2]; b3 = bases[3]; b4 = bases[4]; b5 = bases[5]
        second = panelBytes
    }

    @inline(__always)
    mutating func step(_ p: UnsafePointer<Float>, _ wp: UnsafeRawPointer) {
        let w0 = wp.loadUnaligned(as: V.self), w1 = wp.loadUnaligned(fromByteOffset: 64, as: V.self)
        let u0 = wp.loadUnaligned(fromByteOffset: second, as: V.self), u1 = wp.loadUnaligned(fromByteOffset: second + 64, as: V.self)
        var v = V(repeating: p[b0])
        a00 = a00.addingProduct(v, w0); a01 = a01.addingProduct(v, w1); b00 = b00.addingProduct(v, u0); b01 = b01.addingProduct(v, u1)
        v = V(repeating: p[b1])
        a10 = a10.addingProduct(v, w0); a11 = a11.addingProduct(v, w1); b10 = b10.addingProduct(v, u0); b11 = b11.addingProduct(v, u1)
        v = V(repeating: p[b2])
        a20 = a20.addingProduct(v, w0); a21 = a21.addingProduct(v, w1); b20 = b20.addingProduct(v, u0); b21 = b21.addingProduct(v, u1)
        v = V(repeating: p[b3])
        a30 = a30.addingProduct(v, w0); a31 = a31.addingProduct(v, w1); b30 = b30.addingProduct(v, u0); b31 = b31.addingProduct(v, u1)
        v = V(repeating: p[b4])
        a40 = a40.addingProduct(v, w0); a41 = a41.addingProduct(v, w1); b40 = b40.addingProduct(v, u0); b41 = b41.addingProduct(v, u1)
        v = V(repeating: p[b5])
        a50 = a50.addingProduct(v, w0); a51 = a51.addingProduct(v, w1); b50 = b50.addingProduct(v, u0); b51 = b51.addingProduct(v, u1)
    }

    @inline(__always)
    func store(_ acc: UnsafeMutablePointer<Float>) {
        let out = UnsafeMutableRawPointer(acc)
        out.storeBytes(of: a00, toByteOffset: 0, as: V.self); out.storeBytes(of: a01, toByteOffset: 384, as: V.self)
        out.storeBytes(of: a10, toByteOffset: 64, as: V.self); out.storeBytes(of: a11, toByteOffset: 448, as: V.self)
        out.storeBytes(of: a20, toByteOffset: 128, as: V.self); out.storeBytes(of: a21, toByteOffset: 512, as: V.self)
        out.storeBytes(of: a30, toByteOffset: 192, as: V.self); out.storeBytes(of: a31, toByteOffset: 576, as: V.self)
        out.storeBytes(of: a40, toByteOffset: 256, as: V.self); out.storeBytes(of: a41, toByteOffset: 640, as: V.self)
        out.storeBytes(of: a50, toByteOffset: 320, as: V.self); out.storeBytes(of: a51, toByteOffset: 704, as: V.self)
        out.storeBytes(of: b00, toByteOffset: 768, as: V.self); out.storeBytes(of: b01, toByteOffset: 1152, as: V.self)
        out.storeBytes(of: b10, toByteOffset: 832, as: V.self); out.storeBytes(of: b11, toByteOffset: 1216, as: V.self)
        out.storeBytes(of: b20, toByteOffset: 896, as: V.self); out.storeBytes(of: b21, toByteOffset: 1280, as: V.self)
        out.storeBytes(of: b30, toByteOffset: 960, as: V.self); out.storeBytes(of: b31, toByteOffset: 1344, as: V.self)
        out.storeBytes(of: b40, toByteOffset: 1024, as: V.self); out.storeBytes(of: b41, toByteOffset: 1408, as: V.self)
        out.storeBytes(of: b50, toByteOffset: 1088, as: V.self); out.storeBytes(of: b51, toByteOffset: 1472, as: V.self)
    }
}

/// Twelve pixels' accumulators for 32 channels (24 `SIMD16<Float>`): two weight vectors
/// for twelve broadcasts, half the weight traffic per FMA of `Tile6x32`. Stores two
/// 6-pixel blocks, each acc[half][pixel][16], the second `pixels · lanes` floats on.
struct Tile12x32: DirectConvTile {
    static var unrollsChannels: Bool { true }
    typealias V = SIMD16<Float>
    var l0 = V(), l1 = V(), l2 = V(), l3 = V(), l4 = V(), l5 = V(), l6 = V(), l7 = V(), l8 = V(), l9 = V(), l10 = V(), l11 = V()
    var h0 = V(), h1 = V(), h2 = V(), h3 = V(), h4 = V(), h5 = V(), h6 = V(), h7 = V(), h8 = V(), h9 = V(), h10 = V(), h11 = V()
    let b0: Int, b1: Int, b2: Int, b3: Int, b4: Int, b5: Int, b6: Int, b7: Int, b8: Int, b9: Int, b10: Int, b11: Int

    @inline(__always)
    init(bases: UnsafePointer<Int>, panelBytes: Int) {
        b0 = bases[0]; b1 = bases[1]; b2 = bases[2]; b3 = bases[3]; b4 = bases[4]; b5 = bases[5]
        b6 = bases[6]; b7 = bases[7]; b8 = bases[8]; b9 = bases[9]; b10 = bases[10]; b11 = bases[11]
    }

    @inline(__always)
    mutating func step(_ p: UnsafePointer<Float>, _ wp: UnsafeRawPointer) {
        step(p, wp.loadUnaligned(as: V.self), wp.loadUnaligned(fromByteOffset: 64, as: V.self))
    }

    /// Pixel i's two halves into its 6-pixel block i / 6: the low half at [0][i % 6], the
    /// high half at [1][i % 6].
    @inline(__always)
    static func put(pixel i: Int, _ lo: V, _ hi: V, _ acc: UnsafeMutablePointer<Float>) {
        let out = UnsafeMutableRawPointer(acc)
        let block = (i / 6) * 768 + (i % 6) * 64
        out.storeBytes(of: lo, toByteOffset: block, as: V.self)
        out.storeBytes(of: hi, toByteOffset: block + 384, as: V.self)
    }

    /// One depth index with its two weight vectors already loaded.
    @inline(__always)
    mutating func step(_ p: UnsafePointer<Float>, _ w0: V, _ w1: V) {
        var v = V(repeating: p[b0]); l0 = l0.addingProduct(v, w0); h0 = h0.addingProduct(v, w1)
        v = V(repeating: p[b1]); l1 = l1.addingProduct(v, w0); h1 = h1.addingProduct(v, w1)
        v = V(repeating: p[b2]); l2 = l2.addingProduct(v, w0); h2 = h2.addingProduct(v, w1)
        v = V(repeating: p[b3]); l3 = l3.addingProduct(v, w0); h3 = h3.addingProduct(v, w1)
        v = V(repeating: p[b4]); l4 = l4.addingProduct(v, w0); h4 = h4.addingProduct(v, w1)
        v = V(repeating: p[b5]); l5 = l5.addingProduct(v, w0); h5 = h5.addingProduct(v, w1)
        v = V(repeating: p[b6]); l6 = l6.addingProduct(v, w0); h6 = h6.addingProduct(v, w1)
        v = V(repeating: p[b7]); l7 = l7.addingProduct(v, w0); h7 = h7.addingProduct(v, w1)
        v = V(repeating: p[b8]); l8 = l8.addingProduct(v, w0); h8 = h8.addingProduct(v, w1)
        v = V(repeating: p[b9]); l9 = l9.addingProduct(v, w0); h9 = h9.addingProduct(v, w1)
        v = V(repeating: p[b10]); l10 = l10.addingProduct(v, w0); h10 = h10.addingProduct(v, w1)
        v = V(repeating: p[b11]); l11 = l11.addingProduct(v, w0); h11 = h11.addingProduct(v, w1)
    }

    @inline(__always)
    func store(_ acc: UnsafeMutablePointer<Float>) {
        let lows = (l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11), highs = (h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11)
        @inline(__always) func put(_ i: Int, _ lo: V, _ hi: V) { Self.put(pixel: i, lo, hi, acc) }
        put(0, lows.0, highs.0); put(1, lows.1, highs.1); put(2, lows.2, highs.2); put(3, lows.3, highs.3)
        put(4, lows.4, highs.4); put(5, lows.5, highs.5); put(6, lows.6, highs.6); put(7, lows.7, highs.7)
        put(8, lows.8, highs.8); put(9, lows.9, highs.9); put(10, lows.10, highs.10); put(11, lows.11, highs.11)
    }
}
#endif

#if PICOJOULE_AVX512
/// `Tile12x32` and one pixel more (26 accumulators): a plane's last two full tiles and its
/// 1-pixel last one in one pass over the weight panel. Why: a 1×1 conv's panel comes from
/// L2 for each pass, and a 1-pixel pass reads it all for one pixel (SqueezeNet's 13²
/// classifier, 169 = 28 · 6 + 1: 1.7 % of its time in `microKernel1x32`). Stores three
/// 6-pixel blocks as `Tile12x32` does, the third holding pixel 12 only.
struct Tile13x32: DirectConvTile {
    static var unrollsChannels: Bool { true }
    typealias V = SIMD16<Float>
    var twelve: Tile12x32
    var l12 = V(), h12 = V()
    let b12: Int

    @inline(__always)
    init(bases: UnsafePointer<Int>, panelBytes: Int) {
        twelve = Tile12x32(bases: bases, panelBytes: panelBytes)
        b12 = bases[12]
    }

    @inline(__always)
    mutating func step(_ p: UnsafePointer<Float>, _ wp: UnsafeRawPointer) {
        let w0 = wp.loadUnaligned(as: V.self), w1 = wp.loadUnaligned(fromByteOffset: 64, as: V.self)
        twelve.step(p, w0, w1)
        let v = V(repeating: p[b12]); l12 = l12.addingProduct(v, w0); h12 = h12.addingProduct(v, w1)
    }

    @inline(__always)
    func store(_ acc: UnsafeMutablePointer<Float>) {
        twelve.store(acc)
        Tile12x32.put(pixel: 12, l12, h12, acc)
    }
}
#endif

extension DirectConvPlan {
    /// The register tile for a last panel with at most 8 channels (ShuffleNet's first conv
    /// has 24): six pixels against the panel's first 8 lanes, six accumulators, where the
    /// 6×16 tile would spend half its FMAs on zero weights. Writes acc[pixel][0..<8].
    @inline(never)
    static func microKernel6x8(depth: Int, x: UnsafePointer<Float>, bases: UnsafePointer<Int>, offsets: UnsafePointer<Int32>,
                               w: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
        let x0 = x + bases[0], x1 = x + bases[1], x2 = x + bases[2]
        let x3 = x + bases[3], x4 = x + bases[4], x5 = x + bases[5]
        var wp = UnsafeRawPointer(w)
        for kk in 0..<depth {
            let o = Int(offsets[kk])
            let w0 = wp.loadUnaligned(as: V.self)
            c0 = c0.addingProduct(V(repeating: x0[o]), w0)
            c1 = c1.addingProduct(V(repeating: x1[o]), w0)
            c2 = c2.addingProduct(V(repeating: x2[o]), w0)
            c3 = c3.addingProduct(V(repeating: x3[o]), w0)
            c4 = c4.addingProduct(V(repeating: x4[o]), w0)
            c5 = c5.addingProduct(V(repeating: x5[o]), w0)
            wp += laneBytes
        }
        let out = UnsafeMutableRawPointer(acc)
        out.storeBytes(of: c0, toByteOffset: 0, as: V.self); out.storeBytes(of: c1, toByteOffset: 64, as: V.self)
        out.storeBytes(of: c2, toByteOffset: 128, as: V.self); out.storeBytes(of: c3, toByteOffset: 192, as: V.self)
        out.storeBytes(of: c4, toByteOffset: 256, as: V.self); out.storeBytes(of: c5, toByteOffset: 320, as: V.self)
    }
}

extension DirectConvPlan {
    /// Four pixels against 16 channels (eight accumulators): a plane's last tile of 3–4
    /// pixels. Writes acc[pixel][0..<16] for pixels 0–3.
    @inline(never)
    static func microKernel4x16(depth: Int, x: UnsafePointer<Float>, bases: UnsafePointer<Int>, offsets: UnsafePointer<Int32>,
                                w: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        let x0 = x + bases[0], x1 = x + bases[1], x2 = x + bases[2], x3 = x + bases[3]
        var wp = UnsafeRawPointer(w)
        for kk in 0..<depth {
            let o = Int(offsets[kk])
            let w0 = wp.loadUnaligned(as: V.self), w1 = wp.loadUnaligned(fromByteOffset: 32, as: V.self)
            var v = V(repeating: x0[o])
            c00 = c00.addingProduct(v, w0); c01 = c01.addingProduct(v, w1)
            v = V(repeating: x1[o])
            c10 = c10.addingProduct(v, w0); c11 = c11.addingProduct(v, w1)
            v = V(repeating: x2[o])
            c20 = c20.addingProduct(v, w0); c21 = c21.addingProduct(v, w1)
            v = V(repeating: x3[o])
            c30 = c30.addingProduct(v, w0); c31 = c31.addingProduct(v, w1)
            wp += laneBytes
        }
        let out = UnsafeMutableRawPointer(acc)
        out.storeBytes(of: c00, toByteOffset: 0, as: V.self); out.storeBytes(of: c01, toByteOffset: 32, as: V.self)
        out.storeBytes(of: c10, toByteOffset: 64, as: V.self); out.storeBytes(of: c11, toByteOffset: 96, as: V.self)
        out.storeBytes(of: c20, toByteOffset: 128, as: V.self); out.storeBytes(of: c21, toByteOffset: 160, as: V.self)
        out.storeBytes(of: c30, toByteOffset: 192, as: V.self); out.storeBytes(of: c31, toByteOffset: 224, as: V.self)
    }

    /// Two pixels against 16 channels: a plane's last tile of 2 pixels. Writes
    /// acc[pixel][0..<16] for pixels 0–1. Even and odd depth indices go into separate
    /// accumulators: four chains of one FMA a step waited out the FMA latency.
    @inline(never)
    static func microKernel2x16(depth: Int, x: UnsafePointer<Float>, bases: UnsafePointer<Int>, offsets: UnsafePointer<Int32>,
                                w: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        var a = (V(), V(), V(), V()), b = (V(), V(), V(), V())
        let x0 = x + bases[0], x1 = x + bases[1]
        var wp = UnsafeRawPointer(w)
        @inline(__always) func step(_ s: inout (V, V, V, V), _ kk: Int, _ wp: UnsafeRawPointer) {
            let o = Int(offsets[kk])
            let w0 = wp.loadUnaligned(as: V.self), w1 = wp.loadUnaligned(fromByteOffset: 32, as: V.self)
            var v = V(repeating: x0[o])
            s.0 = s.0.addingProduct(v, w0); s.1 = s.1.addingProduct(v, w1)
            v = V(repeating: x1[o])
            s.2 = s.2.addingProduct(v, w0); s.3 = s.3.addingProduct(v, w1)
        }
        var kk = 0
        while kk + 2 <= depth {
            step(&a, kk, wp); step(&b, kk + 1, wp + laneBytes)
            wp += 2 * laneBytes
            kk += 2
        }
        if kk < depth { step(&a, kk, wp) }
        let out = UnsafeMutableRawPointer(acc)
        out.storeBytes(of: a.0 + b.0, toByteOffset: 0, as: V.self); out.storeBytes(of: a.1 + b.1, toByteOffset: 32, as: V.self)
        out.storeBytes(of: a.2 + b.2, toByteOffset: 64, as: V.self); out.storeBytes(of: a.3 + b.3, toByteOffset: 96, as: V.self)
    }

    /// One pixel against 16 channels: a plane's last tile when it has one pixel (7×7
    /// planes: 49 = 8 · 6 + 1). Four depth indices go into four accumulator pairs, so the
    /// tile costs two cycles a step by count instead of the five one FMA chain waits. Writes
    /// acc[0][0..<16].
    @inline(never)
    static func microKernel1x16(depth: Int, x: UnsafePointer<Float>, bases: UnsafePointer<Int>, offsets: UnsafePointer<Int32>,
                                w: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>) {
        onePixel(SIMD8<Float>.self, depth: depth, x: x, bases: bases, offsets: offsets, w: w, acc: acc, secondAt: 32)
    }

    /// One pixel against two vectors of V's lanes, consecutive in the panel, over the
    /// whole depth; the sum of the second vector is stored `secondAt` bytes after the first.
    @inline(__always)
    static func onePixel<V: SIMD>(_: V.Type, depth: Int, x: UnsafePointer<Float>, bases: UnsafePointer<Int>,
                                  offsets: UnsafePointer<Int32>, w: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>,
                                  secondAt: Int) where V.Scalar == Float {
        var s0 = (V(), V()), s1 = (V(), V()), s2 = (V(), V()), s3 = (V(), V())
        let x0 = x + bases[0], vectorBytes = MemoryLayout<V>.size
        var wp = UnsafeRawPointer(w)
        @inline(__always) func step(_ s: inout (V, V), _ kk: Int, _ wp: UnsafeRawPointer) {
            let v = V(repeating: x0[Int(offsets[kk])])
            s.0 = s.0.addingProduct(v, wp.loadUnaligned(as: V.self))
            s.1 = s.1.addingProduct(v, wp.loadUnaligned(fromByteOffset: vectorBytes, as: V.self))
        }
        var kk = 0
        while kk + 4 <= depth {
            step(&s0, kk, wp); step(&s1, kk + 1, wp + laneBytes); step(&s2, kk + 2, wp + 2 * laneBytes)
            step(&s3, kk + 3, wp + 3 * laneBytes)
            wp += 4 * laneBytes
            kk += 4
        }
        while kk < depth {
            step(&s0, kk, wp)
            wp += laneBytes
            kk += 1
        }
        let out = UnsafeMutableRawPointer(acc)
        out.storeBytes(of: (s0.0 + s1.0) + (s2.0 + s3.0), toByteOffset: 0, as: V.self)
        out.storeBytes(of: (s0.1 + s1.1) + (s2.1 + s3.1), toByteOffset: secondAt, as: V.self)
    }
}

#if PICOJOULE_AVX512
extension DirectConvPlan {
    /// One pixel against a whole 32-lane panel: `microKernel1x16` in 512-bit vectors, one
    /// call reading each depth index's two weight lines together. Why: a panel's weights
    /// come from L2 here, and the two 16-lane calls each walked every other line of it.
    /// SqueezeNet's 13² 512→1000 classifier (169 = 28 · 6 + 1 pixels) spent 2.3 % of its
    /// time in its 1-pixel tiles, 14 GMAC/s; with this 1.7 %. 1×1 convs now take that
    /// pixel into their last 12-pixel tile (`Tile13x32`); 3×3 convs' last tiles (13² and
    /// 7² planes) still come here. Writes acc[0][0][0..<16] and acc[1][0][0..<16].
    @inline(never)
    static func microKernel1x32(depth: Int, x: UnsafePointer<Float>, bases: UnsafePointer<Int>, offsets: UnsafePointer<Int32>,
                                w: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>) {
        onePixel(SIMD16<Float>.self, depth: depth, x: x, bases: bases, offsets: offsets, w: w, acc: acc,
                 secondAt: pixels * halfLanes * 4)
    }
}
#endif

extension DirectConvPlan {
    /// The loop order over memory for one image, for the cache model: the input copied
    /// into the padded scratch plane, then per tile (tile-outer) or per panel the weights
    /// swept again for every tile, with the tile's input lines in between, and the output
    /// written once.
    func accessSteps(x: MemoryRegion, weights: MemoryRegion, y: MemoryRegion, into steps: inout [AccessStep]) {
        let padded: MemoryRegion
        if needsPadding {
            padded = MemoryRegion(space: .scratch, offset: 0, bytes: paddedFloats * 4)
            steps.append(.read(x))
            steps.append(.write(padded))
        } else {
            padded = x
        }
        // A tile's six pixels read about one 64-byte line per channel and kernel row.
        let tileInput = channels * kernelH * 64
        if tileOuter {
            steps.append(.read(weights))
            if tiles > 1 { steps.append(.reread(weights, times: tiles - 1, between: tileInput + Self.pixels * outChannels * 4)) }
            steps.append(.read(padded))
        } else {
            // One pass over the tiles per panel, or per pair of panels (`pairsPanels`).
            let panelBytes = depth * Self.lanes * 4
            var p = 0, passes = 0
            while p < panels {
                let width = panelsPerPass(from: p)
                let panel = weights.floats(p * depth * Self.lanes, width * depth * Self.lanes)
                steps.append(.read(panel))
                if tiles > 1 { steps.append(.reread(panel, times: tiles - 1, between: tileInput + Self.pixels * width * Self.lanes * 4)) }
                if p == 0 { steps.append(.read(padded)) }
                p += width
                passes += 1
            }
            if passes > 1 { steps.append(.reread(padded, times: passes - 1, between: panelBytes * panels / passes)) }
        }
        steps.append(.write(y))
    }
}
