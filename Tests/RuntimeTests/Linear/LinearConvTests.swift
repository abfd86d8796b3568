import Model
import Runtime
import Testing

/// One convolution configuration (2-D unless `oneD`).
struct LinearConvCase: Sendable, CustomStringConvertible {
    var batch = 1, channels: Int, outChannels: Int, height: Int, width: Int
    var kernel: (Int, Int), stride = (1, 1), dilation = (1, 1)
    /// top, left, bottom, right
    var pads = [0, 0, 0, 0]
    var group = 1
    var bias = true
    var constantWeights = true
    var autoPad: String? = nil
    var oneD = false

    var description: String {
        "N\(batch) C\(channels)→\(outChannels) \(height)×\(width) k\(kernel) s\(stride) d\(dilation) p\(pads) g\(group)\(autoPad.map { " \($0)" } ?? "")\(oneD ? " 1-D" : "")"
    }

    /// Pads the auto_pad rule resolves to (for the reference).
    var effectivePads: [Int] {
        guard let autoPad, autoPad.hasPrefix("SAME") else { return autoPad == "VALID" ? [0, 0, 0, 0] : pads }
        func axis(_ i: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
            let out = (i + s - 1) / s, total = max(0, (out - 1) * s + (k - 1) * d + 1 - i)
            return autoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2)
        }
        let h = axis(height, kernel.0, stride.0, dilation.0), w = axis(width, kernel.1, stride.1, dilation.1)
        return [h.0, w.0, h.1, w.1]
    }
}

@Suite("Linear: Conv and ConvTranspose")
struct LinearConvTests {
    static let cases: [LinearConvCase] = [
        LinearConvCase(channels: 3, outChannels: 8, height: 9, width: 11, kernel: (3, 3), pads: [1, 1, 1, 1]),
        LinearConvCase(batch: 2, channels: 16, outChannels: 24, height: 7, width: 7, kernel: (1, 1)),
        LinearConvCase(channels: 5, outChannels: 7, height: 13, width: 10, kernel: (1, 1), stride: (2, 2), bias: false),
        LinearConvCase(channels: 4, outChannels: 6, height: 20, width: 19, kernel: (3, 5), stride: (2, 1), dilation: (2, 1), pads: [2, 1, 0, 3]),
        LinearConvCase(channels: 8, outChannels: 8, height: 17, width: 23, kernel: (3, 3), pads: [1, 1, 1, 1], group: 8),
        LinearConvCase(batch: 2, channels: 6, outChannels: 6, height: 15, width: 33, kernel: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1], group: 6),
        LinearConvCase(channels: 4, outChannels: 4, height: 12, width: 21, kernel: (5, 3), dilation: (2, 3), pads: [4, 3, 4, 3], group: 4, bias: false),
        LinearConvCase(channels: 4, outChannels: 8, height: 10, width: 10, kernel: (3, 3), pads: [1, 1, 1, 1], group: 4),
        LinearConvCase(channels: 6, outChannels: 9, height: 11, width: 12, kernel: (3, 3), group: 3, constantWeights: false),
        LinearConvCase(channels: 3, outChannels: 5, height: 10, width: 13, kernel: (4, 3), stride: (2, 3), autoPad: "SAME_UPPER"),
        LinearConvCase(channels: 3, outChannels: 5, height: 10, width: 13, kernel: (4, 4), stride: (3, 2), autoPad: "SAME_LOWER"),
        LinearConvCase(channels: 3, outChannels: 5, height: 8, width: 9, kernel: (3, 3), pads: [9, 9, 9, 9], autoPad: "VALID"),
        LinearConvCase(channels: 7, outChannels: 70, height: 1, width: 40, kernel: (1, 5), stride: (1, 2), pads: [0, 2, 0, 1], oneD: true),
        LinearConvCase(channels: 64, outChannels: 20, height: 14, width: 14, kernel: (3, 3), pads: [1, 1, 1, 1]),
        // The direct path: full 16-channel panels without bias over two images, and weights
        // (295 KB packed) past the size where the panel loop goes outside the tile loop.
        LinearConvCase(batch: 2, channels: 8, outChannels: 32, height: 9, width: 10, kernel: (3, 3), pads: [1, 1, 1, 1], bias: false),
        LinearConvCase(channels: 64, outChannels: 128, height: 5, width: 7, kernel: (3, 3), pads: [1, 1, 1, 1]),
        LinearConvCase(channels: 5, outChannels: 5, height: 6, width: 40, kernel: (3, 3), pads: [1, 1, 1, 1], group: 5, constantWeights: false),
        // ShuffleNet's depthwise planes: 7 wide (one partial vector), and 14 → 7 at stride 2.
        LinearConvCase(channels: 4, outChannels: 4, height: 7, width: 7, kernel: (3, 3), pads: [1, 1, 1, 1], group: 4),
        // Depthwise rows narrower than a vector: a short group may spill into the next rows
        // of its plane, never past the plane's end.
        LinearConvCase(channels: 4, outChannels: 4, height: 6, width: 2, kernel: (3, 3), pads: [1, 1, 1, 1], group: 4),
        LinearConvCase(batch: 2, channels: 3, outChannels: 3, height: 14, width: 14, kernel: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1], group: 3),
        // Stride-2 depthwise rows are split into even and odd columns: an even left pad, no
        // pad, and widths that leave an odd float and a partial 8-float block.
        LinearConvCase(channels: 2, outChannels: 2, height: 9, width: 9, kernel: (3, 3), stride: (2, 2), group: 2),
        LinearConvCase(channels: 3, outChannels: 3, height: 11, width: 20, kernel: (3, 3), stride: (2, 2), pads: [2, 2, 1, 1], group: 3),
        // ShuffleNet's first conv: 24 channels, a full panel and one of 8 (the 6×8 tile),
        // stride 2, tiles that cross rows.
        LinearConvCase(channels: 3, outChannels: 24, height: 23, width: 29, kernel: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1]),
        // Planes whose last tile has 1 pixel (7×7, the 2-pixel tile) and 2 of 20 channels
        // over 8×7 (a full panel on the 2-pixel tile, then the 6×8 one).
        LinearConvCase(channels: 16, outChannels: 32, height: 7, width: 7, kernel: (3, 3), pads: [1, 1, 1, 1]),
        LinearConvCase(batch: 2, channels: 8, outChannels: 20, height: 8, width: 7, kernel: (3, 3), pads: [1, 1, 1, 1]),
        // The unrolled 3×3 tile (at least 8 channels, undilated) at stride 2 with uneven
        // pads, and a dilated 3×3 over as many channels, which keeps the per-depth offsets.
        LinearConvCase(channels: 12, outChannels: 16, height: 11, width: 13, kernel: (3, 3), stride: (2, 2), pads: [0, 1, 1, 0]),
        LinearConvCase(channels: 8, outChannels: 16, height: 9, width: 10, kernel: (3, 3), dilation: (2, 2), pads: [2, 2, 2, 2]),
        // Narrow tiles whose depth steps are split over several accumulators, with depths
        // that leave a remainder: the GEMM's 1-column (7×7) and 4-column (14×14) last
        // strips, the direct conv's 1-pixel (7×7) and 2-pixel (5×4) last tiles, unpadded so
        // that their last depth index reads input, not a pad.
        LinearConvCase(channels: 13, outChannels: 14, height: 7, width: 7, kernel: (1, 1)),
        LinearConvCase(channels: 7, outChannels: 20, height: 14, width: 14, kernel: (1, 1)),
        // Last strips of 9 and 12 columns, each an 8-column tile and a 1- or 4-column one.
        LinearConvCase(channels: 10, outChannels: 14, height: 5, width: 5, kernel: (1, 1)),
        LinearConvCase(channels: 9, outChannels: 13, height: 4, width: 7, kernel: (1, 1)),
        LinearConvCase(channels: 3, outChannels: 16, height: 9, width: 9, kernel: (3, 3)),
        LinearConvCase(channels: 3, outChannels: 16, height: 7, width: 6, kernel: (3, 3)),
        // 44 channels: with 32-lane panels (AVX-512) a last panel of 12 (the 6×16 tile) and
        // a 1-pixel last tile over both halves of the full panel; with 16 lanes two full
        // panels and one of 12.
        LinearConvCase(channels: 9, outChannels: 44, height: 7, width: 7, kernel: (3, 3), pads: [1, 1, 1, 1]),
        // Pairs of 32-lane panels in one 6×64 tile (AVX-512): tile-outer, a pair and a last
        // panel of 16 over 99 pixels (a last tile of 3 falls back to the panels one by one);
        // panel-outer (368 KB packed), two pairs and a single panel, the next pair's weights
        // prefetched; a pair at stride 2 without bias.
        LinearConvCase(channels: 16, outChannels: 80, height: 9, width: 11, kernel: (3, 3), pads: [1, 1, 1, 1]),
        LinearConvCase(channels: 64, outChannels: 160, height: 6, width: 7, kernel: (3, 3), pads: [1, 1, 1, 1]),
        LinearConvCase(channels: 8, outChannels: 64, height: 13, width: 15, kernel: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1], bias: false),
        // First-conv shapes (at most 4 channels, rows of at least 16 outputs: the row path).
        // With AVX-512 (32- and 16-pixel tiles): stride 2 with pads, rows of 35 (a 32-pixel
        // tile, then 16 ending at the row's end) and a partial last group of 4 channels; 7×7
        // at stride 1 over two images without bias, rows of 56 (a last 32-pixel tile
        // overlapping the first); one channel, rows of 19 (two overlapping 16-pixel tiles).
        // With 8-lane vectors (24- and 16-pixel tiles over halves of 4 channels) the same
        // rows end in a 16-pixel tile (35, 56), two overlapping 16-pixel tiles (19), a
        // 24-pixel one (47) or none (48); 6 channels leave a second half of 2.
        LinearConvCase(channels: 3, outChannels: 20, height: 30, width: 70, kernel: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1]),
        LinearConvCase(batch: 2, channels: 3, outChannels: 16, height: 12, width: 56, kernel: (7, 7), pads: [3, 3, 3, 3], bias: false),
        LinearConvCase(channels: 1, outChannels: 8, height: 9, width: 40, kernel: (3, 3), stride: (2, 2)),
        // Rows of 112 (ResNet-50's first conv), 100, 48, 47, 20 and 49 at stride 2.
        LinearConvCase(channels: 3, outChannels: 8, height: 7, width: 224, kernel: (7, 7), stride: (2, 2), pads: [3, 3, 3, 3]),
        LinearConvCase(channels: 2, outChannels: 12, height: 5, width: 201, kernel: (3, 3), stride: (2, 2)),
        LinearConvCase(channels: 3, outChannels: 9, height: 6, width: 95, kernel: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1]),
        LinearConvCase(channels: 3, outChannels: 9, height: 6, width: 93, kernel: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1]),
        LinearConvCase(channels: 3, outChannels: 9, height: 6, width: 41, kernel: (3, 3), stride: (2, 2)),
        LinearConvCase(channels: 3, outChannels: 6, height: 5, width: 97, kernel: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1]),
        // An even left pad at stride 2: each input row splits straight into the phases
        // (`RowConvPlan.prepare`), even columns to the even phase (pads 0 and 1 above put
        // them in the even and the odd one).
        LinearConvCase(channels: 3, outChannels: 10, height: 9, width: 37, kernel: (5, 5), stride: (2, 2), pads: [2, 2, 2, 2]),
        // Shallow 3×3 stride-1 shapes (5–64 channels, rows of at least 16: the grid path with
        // AVX-512): 32-position tiles that cross row ends, two full groups of 8 channels and
        // one of 4; rows of exactly 16 without pads (grid width 18); uneven pads (one pad
        // column) over two images without bias; 64 channels and 97 positions, a last tile
        // of one pixel and an empty half. The pad column between rows serves both sides
        // when the right pad is at most the left one; a right pad over the left one (its
        // own pad columns), and a left pad of 2 with a right one of 1 (the right taps read
        // the next row's first column of two).
        LinearConvCase(channels: 16, outChannels: 20, height: 9, width: 17, kernel: (3, 3), pads: [1, 1, 1, 1]),
        LinearConvCase(channels: 5, outChannels: 8, height: 7, width: 18, kernel: (3, 3)),
        LinearConvCase(batch: 2, channels: 7, outChannels: 9, height: 6, width: 21, kernel: (3, 3), pads: [0, 1, 1, 0], bias: false),
        LinearConvCase(channels: 6, outChannels: 10, height: 5, width: 19, kernel: (3, 3), pads: [1, 0, 0, 1]),
        LinearConvCase(channels: 6, outChannels: 10, height: 5, width: 19, kernel: (3, 3), pads: [1, 2, 1, 1]),
        // A 1×1 conv over more than 784 pixels that widens four times (the grid path with
        // AVX-512): full tiles stored from the registers, a last partial one, and a last
        // group of 4 channels.
        LinearConvCase(channels: 7, outChannels: 28, height: 30, width: 31, kernel: (1, 1)),
        LinearConvCase(channels: 64, outChannels: 16, height: 3, width: 31, kernel: (3, 3), pads: [1, 1, 1, 1]),
        // Strided 1×1 convs (with AVX-512 the direct path, the input gathered at stride 1
        // first): stride 2 over rows of 40 (the vector gather, then its scalar tail) and
        // of 11; strides (2, 3); and a bottom/right pad, whose last row and column read
        // the pad, which stays on the padded copy.
        LinearConvCase(channels: 9, outChannels: 40, height: 6, width: 40, kernel: (1, 1), stride: (2, 2)),
        LinearConvCase(batch: 2, channels: 20, outChannels: 33, height: 9, width: 11, kernel: (1, 1), stride: (2, 2), bias: false),
        LinearConvCase(channels: 6, outChannels: 16, height: 7, width: 13, kernel: (1, 1), stride: (2, 3)),
        LinearConvCase(channels: 6, outChannels: 16, height: 8, width: 8, kernel: (1, 1), stride: (2, 2), pads: [0, 0, 1, 1]),
        // 3×3 stride-1 same-size convs over at least 32 channels (the Winograd path): 15×14
        // (seven tiles a row, one 8-lane step with a padding lane; the odd height cuts the
        // last tile row), 16² over two images without bias (eight tiles, one step), 27²
        // (fourteen tiles: a step and one overlapping it; odd width), 14×21 (eleven tiles),
        // and 40² (twenty tiles a row, five blocks of four rows, split over threads).
        LinearConvCase(channels: 32, outChannels: 32, height: 15, width: 14, kernel: (3, 3), pads: [1, 1, 1, 1]),
        LinearConvCase(batch: 2, channels: 32, outChannels: 48, height: 16, width: 16, kernel: (3, 3), pads: [1, 1, 1, 1], bias: false),
        LinearConvCase(channels: 40, outChannels: 33, height: 27, width: 27, kernel: (3, 3), pads: [1, 1, 1, 1]),
        LinearConvCase(channels: 32, outChannels: 36, height: 14, width: 21, kernel: (3, 3), pads: [1, 1, 1, 1]),
        LinearConvCase(channels: 32, outChannels: 32, height: 40, width: 40, kernel: (3, 3), pads: [1, 1, 1, 1]),
        // Convs that widen (Cout > Cin) take M in chunks of output channels and grow their
        // blocks (`WinogradConvPlan.maximumColumns`): 27² 32→100 (one 196-column block,
        // chunks of 24, the last of 4; on three threads, chunks shared out unevenly), 14²
        // 32→128 (one block, two chunks: on three threads, each chunk's 16 GEMMs shared)
        // and 40² 32→48 (two 200-column blocks of three chunks).
        LinearConvCase(channels: 32, outChannels: 100, height: 27, width: 27, kernel: (3, 3), pads: [1, 1, 1, 1]),
        LinearConvCase(channels: 32, outChannels: 128, height: 14, width: 14, kernel: (3, 3), pads: [1, 1, 1, 1], bias: false),
        LinearConvCase(channels: 32, outChannels: 48, height: 40, width: 40, kernel: (3, 3), pads: [1, 1, 1, 1]),
    ]

    @Test("Conv matches the reference", arguments: cases, [1, 3])
    func conv(_ c: LinearConvCase, threads: Int) throws {
        var rng = LinearSeededGenerator(seed: UInt64(c.channels * 131 + c.height * 7 + c.width))
        let xShape = [c.batch, c.channels, c.height, c.width]
        let wShape = [c.outChannels, c.channels / c.group, c.kernel.0, c.kernel.1]
        let x = rng.floats(xShape.reduce(1, *)), w = rng.floats(wShape.reduce(1, *))
        let b = c.bias ? rng.floats(c.outChannels) : nil
        let reference = LinearReference.conv(x: x, xShape: xShape, w: w, wShape: wShape, bias: b,
                                             strides: [c.stride.0, c.stride.1], pads: c.effectivePads,
                                             dilations: [c.dilation.0, c.dilation.1], group: c.group)
        var attributes: [String: Attribute] = ["group": .int(c.group)]
        let drop: ([Int]) -> [Int] = { c.oneD ? [$0[0], $0[1], $0[3]] : $0 }
        if c.oneD {
            attributes["strides"] = .ints([c.stride.1]); attributes["dilations"] = .ints([c.dilation.1])
            attributes["pads"] = .ints([c.pads[1], c.pads[3]])
        } else {
            attributes["strides"] = .ints([c.stride.0, c.stride.1]); attributes["dilations"] = .ints([c.dilation.0, c.dilation.1])
            attributes["pads"] = .ints(c.pads)
        }
        if let autoPad = c.autoPad { attributes["auto_pad"] = .string(autoPad); attributes["pads"] = nil }
        let y = try linearRun("Conv", attributes: attributes,
                              inputs: [LinearInput(x, drop(xShape)), LinearInput(w, drop(wShape), constant: c.constantWeights),
                                       b.map { LinearInput($0, [c.outChannels], constant: true) }],
                              outputShape: drop(reference.shape), threads: threads)
        linearExpectClose(y, reference.values, "Conv \(c) threads=\(threads)")
    }

    @Test("Conv counts N·M·oH·oW·(C/group)·kH·kW MACs")
    func counting() throws {
        let prepared = try linearPrepare("Conv", attributes: ["group": .int(2), "pads": .ints([1, 1, 1, 1])],
                                         inputs: [LinearInput([Float](repeating: 0, count: 2 * 4 * 5 * 6), [2, 4, 5, 6]),
                                                  // Non-zero: all-zero weights would take the sparse path and count no MACs.
                                                  LinearInput([Float](repeating: 0.5, count: 6 * 2 * 9), [6, 2, 3, 3], constant: true),
                                                  LinearInput([Float](repeating: 0, count: 6), [6], constant: true)],
                                         outputShapes: [[2, 6, 5, 6]])
        #expect(prepared.macs[.float32, default: 0] == Int64(2 * 6 * 5 * 6 * 2 * 9))
        #expect(prepared.ops[.float32, default: 0] == Int64(2 * 6 * 5 * 6))
    }

    @Test("an ungrouped 3×3 conv with constant weights packs channel panels and scratch for one padded image")
    func directPathSizes() throws {
        let prepared = try linearPrepare("Conv", attributes: ["pads": .ints([1, 1, 1, 1])],
                                         inputs: [LinearInput([Float](repeating: 0, count: 2 * 8 * 9 * 10), [2, 8, 9, 10]),
                                                  LinearInput([Float](repeating: 0.5, count: 40 * 8 * 9), [40, 8, 3, 3], constant: true)],
                                         outputShapes: [[2, 40, 9, 10]])
        let lanes = KernelTarget.convPanelLanes
        #expect(lanes == (KernelTarget.usesAVX512 ? 32 : 16))
        #expect(prepared.packedWeightBytes == (40 + lanes - 1) / lanes * lanes * 72 * 4,
                "panels of \(lanes) channels × 72 depths, the last zero padded (40 → 48 or 64)")
        #expect(prepared.scratchBytes == 8 * 11 * 12 * 4, "one image's 8 planes padded to 11×12, reused per image")
        #expect(prepared.macs[.float32] == Int64(2 * 40 * 9 * 10 * 72), "padding lanes and pixels are not counted")
    }

    @Test("a 32-channel 3×3 stride-1 same-size conv packs 16 transformed weight matrices for the Winograd path")
    func winogradPathSizes() throws {
        let prepared = try linearPrepare("Conv", attributes: ["pads": .ints([1, 1, 1, 1])],
                                         inputs: [LinearInput([Float](repeating: 0, count: 32 * 14 * 21), [1, 32, 14, 21]),
                                                  LinearInput([Float](repeating: 0.5, count: 40 * 32 * 9), [40, 32, 3, 3], constant: true)],
                                         outputShapes: [[1, 40, 14, 21]])
        #expect(prepared.packedWeightBytes == 16 * 42 * 32 * 4, "16 positions × 40 rows (6-row panels: 42) × 32 channels")
        #expect(prepared.macs[.float32] == Int64(40 * 14 * 21 * 32 * 9), "the model's MACs, not the transform's products")
        // A 31-channel conv stays off it: channel panels of 279 depths on the direct path, or
        // with AVX-512 the grid path's 8-channel groups.
        let shallow = try linearPrepare("Conv", attributes: ["pads": .ints([1, 1, 1, 1])],
                                        inputs: [LinearInput([Float](repeating: 0, count: 31 * 14 * 21), [1, 31, 14, 21]),
                                                 LinearInput([Float](repeating: 0.5, count: 40 * 31 * 9), [40, 31, 3, 3], constant: true)],
                                        outputShapes: [[1, 40, 14, 21]])
        let lanes = KernelTarget.convPanelLanes
        #expect(shallow.packedWeightBytes == (KernelTarget.usesAVX512 ? 5 * 8 * 279 * 4 : (40 + lanes - 1) / lanes * lanes * 279 * 4))
        // A 13² plane takes Winograd with AVX2 only (`WinogradConvPlan.minimumSide`).
        let small = try linearPrepare("Conv", attributes: ["pads": .ints([1, 1, 1, 1])],
                                      inputs: [LinearInput([Float](repeating: 0, count: 32 * 13 * 13), [1, 32, 13, 13]),
                                               LinearInput([Float](repeating: 0.5, count: 40 * 32 * 9), [40, 32, 3, 3], constant: true)],
                                      outputShapes: [[1, 40, 13, 13]])
        #expect(small.packedWeightBytes == (KernelTarget.usesAVX512 ? (40 + lanes - 1) / lanes * lanes * 288 * 4 : 16 * 42 * 32 * 4))
        // SqueezeNet's 27² 32→128 widens: one block of 196 columns, whose M (1.6 MB) goes
        // in chunks of 24 channels, so U packs in six chunks of 24 rows (128 → 144).
        let wide = try linearPrepare("Conv", attributes: ["pads": .ints([1, 1, 1, 1])],
                                     inputs: [LinearInput([Float](repeating: 0, count: 32 * 27 * 27), [1, 32, 27, 27]),
                                              LinearInput([Float](repeating: 0.5, count: 128 * 32 * 9), [128, 32, 3, 3], constant: true)],
                                     outputShapes: [[1, 128, 27, 27]])
        #expect(wide.packedWeightBytes == 6 * 16 * 24 * 32 * 4)
        // As many outputs as inputs (ResNet-50's 14² 256→256): one chunk.
        let square = try linearPrepare("Conv", attributes: ["pads": .ints([1, 1, 1, 1])],
                                       inputs: [LinearInput([Float](repeating: 0, count: 256 * 14 * 14), [1, 256, 14, 14]),
                                                LinearInput([Float](repeating: 0.5, count: 256 * 256 * 9), [256, 256, 3, 3], constant: true)],
                                       outputShapes: [[1, 256, 14, 14]])
        #expect(square.packedWeightBytes == 16 * 258 * 256 * 4)
    }

    @Test("a 3-channel conv packs 8-channel groups and a phased input for the row path")
    func rowPathSizes() throws {
        let prepared = try linearPrepare("Conv", attributes: ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])],
                                         inputs: [LinearInput([Float](repeating: 0, count: 3 * 30 * 70), [1, 3, 30, 70]),
                                                  LinearInput([Float](repeating: 0.5, count: 20 * 27), [20, 3, 3, 3], constant: true)],
                                         outputShapes: [[1, 20, 15, 35]])
        #expect(prepared.packedWeightBytes == 3 * 8 * 27 * 4, "three groups of 8 channels × 27 depths")
        // Three channels of 31 padded rows of 71 (the last window reads row 30 and column
        // 70 of the padded plane), each row split into two 48-float phases (36 columns
        // rounded up to 16) straight from the input row.
        #expect(prepared.scratchBytes == 3 * 31 * 2 * 48 * 4)
        #expect(prepared.macs[.float32] == Int64(20 * 15 * 35 * 27))
    }

    @Test("a shallow 3×3 stride-1 conv packs 8-channel groups and one padded image for the grid path with AVX-512")
    func gridPathSizes() throws {
        let prepared = try linearPrepare("Conv", attributes: ["pads": .ints([1, 1, 1, 1])],
                                         inputs: [LinearInput([Float](repeating: 0, count: 16 * 9 * 17), [1, 16, 9, 17]),
                                                  LinearInput([Float](repeating: 0.5, count: 20 * 144), [20, 16, 3, 3], constant: true)],
                                         outputShapes: [[1, 20, 9, 17]])
        if KernelTarget.usesAVX512 {
            #expect(prepared.packedWeightBytes == 3 * 8 * 144 * 4, "three groups of 8 channels × 144 depths")
            #expect(prepared.scratchBytes == (16 * 12 * 18 + 64) * 4,
                    "16 planes padded to 12×18 (one pad column between rows, one more zero row), then 64 zeros for the last tile")
        } else {
            #expect(prepared.packedWeightBytes == 2 * 16 * 144 * 4, "two panels of 16 channels × 144 depths")
        }
        #expect(prepared.macs[.float32] == Int64(20 * 9 * 17 * 144), "pad-column lanes are not counted")
    }

    @Test("a large-plane 1×1 conv that widens four times packs 8-channel groups for the grid path with AVX-512")
    func widePointwiseGridSizes() throws {
        let prepared = try linearPrepare("Conv", attributes: [:],
                                         inputs: [LinearInput([Float](repeating: 0, count: 8 * 30 * 30), [1, 8, 30, 30]),
                                                  LinearInput([Float](repeating: 0.5, count: 32 * 8), [32, 8, 1, 1], constant: true)],
                                         outputShapes: [[1, 32, 30, 30]])
        if KernelTarget.usesAVX512 {
            #expect(prepared.packedWeightBytes == 4 * 8 * 8 * 4, "four groups of 8 channels × 8 depths")
            #expect(prepared.scratchBytes == (8 * 900 + 64) * 4, "the 8 planes copied, then 64 zeros for the last tile")
        }
        #expect(prepared.macs[.float32] == Int64(32 * 900 * 8))
    }

    @Test("a fused residual is added before the fused Relu on every path", arguments: [
        // direct, pointwise GEMM, im2col GEMM (runtime weights), depthwise, sparse
        (LinearConvCase(batch: 2, channels: 8, outChannels: 20, height: 7, width: 9, kernel: (3, 3), pads: [1, 1, 1, 1]), 1.0),
        (LinearConvCase(channels: 8, outChannels: 12, height: 7, width: 11, kernel: (1, 1)), 1.0),
        // Pointwise with enough row panels for the residual prefetch, in strip order: a
        // 1-column last strip (7×7), and two depth blocks with a 4-column one (14×14).
        (LinearConvCase(channels: 8, outChannels: 40, height: 7, width: 7, kernel: (1, 1)), 1.0),
        (LinearConvCase(channels: 8, outChannels: 40, height: 5, width: 5, kernel: (1, 1)), 1.0),
        (LinearConvCase(channels: 300, outChannels: 20, height: 14, width: 14, kernel: (1, 1)), 1.0),
        // Packed weights past the strip order's 256 KB: the blocked loop, its residual
        // added in the first of two depth blocks only.
        (LinearConvCase(channels: 300, outChannels: 300, height: 7, width: 7, kernel: (1, 1)), 1.0),
        (LinearConvCase(channels: 6, outChannels: 9, height: 8, width: 10, kernel: (3, 3), pads: [1, 1, 1, 1], group: 3, constantWeights: false), 1.0),
        (LinearConvCase(channels: 6, outChannels: 6, height: 10, width: 19, kernel: (3, 3), pads: [1, 1, 1, 1], group: 6), 1.0),
        (LinearConvCase(channels: 16, outChannels: 16, height: 6, width: 7, kernel: (3, 3), pads: [1, 1, 1, 1]), 0.2),
        // The grid path, its residual added to the packed lanes; a large-plane widening 1×1
        // conv with a residual, which stays on the GEMM.
        (LinearConvCase(channels: 8, outChannels: 12, height: 5, width: 19, kernel: (3, 3), pads: [1, 1, 1, 1]), 1.0),
        (LinearConvCase(channels: 7, outChannels: 28, height: 30, width: 31, kernel: (1, 1)), 1.0),
        // A first-conv shape with a residual stays off the row path (its last tile
        // recomputes outputs, which would add the residual twice).
        (LinearConvCase(channels: 3, outChannels: 16, height: 6, width: 40, kernel: (3, 3), pads: [1, 1, 1, 1]), 1.0),
    ])
    func fusedResidual(_ c: LinearConvCase, density: Double) throws {
        var rng = LinearSeededGenerator(seed: UInt64(c.width * 5 + c.group))
        let xShape = [c.batch, c.channels, c.height, c.width]
        let wShape = [c.outChannels, c.channels / c.group, c.kernel.0, c.kernel.1]
        let x = rng.floats(xShape.reduce(1, *)), b = rng.floats(c.outChannels)
        var w = rng.floats(wShape.reduce(1, *))
        if density < 1 { w = SparseConvTests.prune(w, density: density, seed: 3) }
        let reference = LinearReference.conv(x: x, xShape: xShape, w: w, wShape: wShape, bias: b, strides: [1, 1], pads: c.pads,
                                             dilations: [1, 1], group: c.group)
        let r = rng.floats(reference.values.count)
        let expected = zip(reference.values, r).map { max(0, $0 + $1) }
        #expect(zip(reference.values, expected).contains { $0 < 0 && $1 > 0 }, "the residual must lift some negative pre-activations")
        let attributes: [String: Attribute] = ["group": .int(c.group), "pads": .ints(c.pads), ReluFusion.attribute: .int(1),
                                               ResidualAddFusion.attribute: .int(1)]
        let inputs = [LinearInput(x, xShape), LinearInput(w, wShape, constant: c.constantWeights), LinearInput(b, [c.outChannels], constant: true),
                      LinearInput(r, reference.shape)]
        for threads in [1, 2] {
            let y = try linearRun("Conv", attributes: attributes, inputs: inputs, outputShape: reference.shape, threads: threads)
            linearExpectClose(y, expected, "Conv+residual+Relu \(c) density \(density) threads=\(threads)")
        }
        let prepared = try linearPrepare("Conv", attributes: attributes, inputs: inputs, outputShapes: [reference.shape])
        #expect(prepared.ops[.float32, default: 0] == Int64(3 * reference.values.count), "bias add, residual add and Relu compare per output")
    }

    @Test("a fused Relu clamps every path's output and counts its compares", arguments: [
        LinearConvCase(channels: 16, outChannels: 20, height: 9, width: 13, kernel: (3, 3), pads: [1, 1, 1, 1]),
        LinearConvCase(batch: 2, channels: 8, outChannels: 12, height: 7, width: 11, kernel: (1, 1)),
        LinearConvCase(channels: 6, outChannels: 6, height: 10, width: 19, kernel: (3, 3), pads: [1, 1, 1, 1], group: 6),
        LinearConvCase(channels: 5, outChannels: 5, height: 9, width: 12, kernel: (5, 3), pads: [2, 1, 2, 1], group: 5),
        LinearConvCase(channels: 3, outChannels: 12, height: 6, width: 40, kernel: (3, 3), pads: [1, 1, 1, 1]),
        LinearConvCase(channels: 12, outChannels: 10, height: 5, width: 24, kernel: (3, 3), pads: [1, 1, 1, 1]),
        LinearConvCase(channels: 32, outChannels: 20, height: 15, width: 17, kernel: (3, 3), pads: [1, 1, 1, 1]),
        // Winograd: bias and Relu in the output transform.
        LinearConvCase(channels: 32, outChannels: 36, height: 15, width: 17, kernel: (3, 3), pads: [1, 1, 1, 1]),
    ])
    func fusedRelu(_ c: LinearConvCase) throws {
        var rng = LinearSeededGenerator(seed: UInt64(c.width * 3 + c.group))
        let xShape = [c.batch, c.channels, c.height, c.width]
        let wShape = [c.outChannels, c.channels / c.group, c.kernel.0, c.kernel.1]
        let x = rng.floats(xShape.reduce(1, *)), w = rng.floats(wShape.reduce(1, *)), b = rng.floats(c.outChannels)
        let reference = LinearReference.conv(x: x, xShape: xShape, w: w, wShape: wShape, bias: b, strides: [1, 1], pads: c.pads,
                                             dilations: [1, 1], group: c.group)
        let attributes: [String: Attribute] = ["group": .int(c.group), "pads": .ints(c.pads), ReluFusion.attribute: .int(1)]
        let inputs = [LinearInput(x, xShape), LinearInput(w, wShape, constant: true), LinearInput(b, [c.outChannels], constant: true)]
        let y = try linearRun("Conv", attributes: attributes, inputs: inputs, outputShape: reference.shape, threads: 2)
        #expect(reference.values.contains { $0 < 0 }, "the case must have negative pre-activations to clamp")
        linearExpectClose(y, reference.values.map { max(0, $0) }, "Conv+Relu \(c)")
        let prepared = try linearPrepare("Conv", attributes: attributes, inputs: inputs, outputShapes: [reference.shape])
        #expect(prepared.ops[.float32, default: 0] == Int64(2 * reference.values.count), "bias add + Relu compare per output")
    }

    @Test("Conv rejects an output shape that does not follow from the attributes")
    func badShape() {
        #expect(throws: KernelError.self) {
            try linearPrepare("Conv", inputs: [LinearInput([Float](repeating: 0, count: 25), [1, 1, 5, 5]),
                                               LinearInput([Float](repeating: 0, count: 9), [1, 1, 3, 3], constant: true)],
                              outputShapes: [[1, 1, 5, 5]])
        }
    }

    static let transposeCases: [(x: [Int], w: [Int], strides: [Int], pads: [Int], dilations: [Int], outputPadding: [Int], group: Int)] = [
        ([1, 3, 5, 6], [3, 4, 3, 3], [1, 1], [0, 0, 0, 0], [1, 1], [0, 0], 1),
        ([2, 4, 4, 5], [4, 3, 3, 3], [2, 2], [1, 1, 1, 1], [1, 1], [1, 1], 1),
        ([1, 6, 3, 7], [6, 2, 4, 2], [3, 2], [1, 0, 2, 1], [1, 2], [0, 1], 3),
        ([1, 8, 6, 6], [8, 16, 2, 2], [2, 2], [0, 0, 0, 0], [1, 1], [0, 0], 1),
    ]

    @Test("ConvTranspose matches the reference", arguments: [1, 3])
    func convTranspose(threads: Int) throws {
        var rng = LinearSeededGenerator(seed: 21)
        for (i, c) in Self.transposeCases.enumerated() {
            let x = rng.floats(c.x.reduce(1, *)), w = rng.floats(c.w.reduce(1, *)), b = rng.floats(c.w[1] * c.group)
            let reference = LinearReference.convTranspose(x: x, xShape: c.x, w: w, wShape: c.w, bias: b, strides: c.strides, pads: c.pads,
                                                          dilations: c.dilations, outputPadding: c.outputPadding, group: c.group)
            let y = try linearRun("ConvTranspose",
                                  attributes: ["strides": .ints(c.strides), "pads": .ints(c.pads), "dilations": .ints(c.dilations),
                                               "output_padding": .ints(c.outputPadding), "group": .int(c.group)],
                                  inputs: [LinearInput(x, c.x), LinearInput(w, c.w, constant: i % 2 == 0), LinearInput(b, [b.count], constant: true)],
                                  outputShape: reference.shape, threads: threads)
            linearExpectClose(y, reference.values, "ConvTranspose case \(i)")
        }
    }

    @Test("ConvTranspose derives pads from output_shape")
    func convTransposeOutputShape() throws {
        var rng = LinearSeededGenerator(seed: 22)
        let x = rng.floats(1 * 2 * 3 * 3), w = rng.floats(2 * 3 * 3 * 3)
        // Full size 2·(3−1)+3 = 7; output_shape 6 → total pad 1, split as begin 1, end 0 (not SAME_UPPER).
        let reference = LinearReference.convTranspose(x: x, xShape: [1, 2, 3, 3], w: w, wShape: [2, 3, 3, 3], bias: nil, strides: [2, 2],
                                                      pads: [1, 1, 0, 0], dilations: [1, 1], outputPadding: [0, 0], group: 1)
        let y = try linearRun("ConvTranspose", attributes: ["strides": .ints([2, 2]), "output_shape": .ints([6, 6])],
                              inputs: [LinearInput(x, [1, 2, 3, 3]), LinearInput(w, [2, 3, 3, 3], constant: true)],
                              outputShape: [1, 3, 6, 6])
        #expect(reference.shape == [1, 3, 6, 6])
        linearExpectClose(y, reference.values, "ConvTranspose output_shape")
    }

    @Test("3-D Conv is refused with a clear error")
    func conv3D() {
        #expect(throws: KernelError.self) {
            try linearPrepare("Conv", inputs: [LinearInput([Float](repeating: 0, count: 8), [1, 1, 2, 2, 2]),
                                               LinearInput([Float](repeating: 0, count: 1), [1, 1, 1, 1, 1], constant: true)],
                              outputShapes: [[1, 1, 2, 2, 2]])
        }
    }
}
