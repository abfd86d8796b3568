import Model
import Runtime
import Testing

/// One integer convolution configuration (2-D unless `oneD`).
struct IntegerConvCase: Sendable, CustomStringConvertible {
    var batch = 1, channels: Int, outChannels: Int, height: Int, width: Int
    var kernel: (Int, Int), stride = (1, 1), dilation = (1, 1)
    /// top, left, bottom, right
    var pads = [0, 0, 0, 0]
    var group = 1
    var x: DType = .uint8, w: DType = .int8, y: DType = .uint8
    var perChannel = false
    var bias = true
    var constantWeights = true
    var autoPad: String? = nil
    var oneD = false

    var description: String {
        "N\(batch) C\(channels)→\(outChannels) \(height)×\(width) k\(kernel) s\(stride) d\(dilation) p\(pads) g\(group) \(x)×\(w)→\(y)"
            + "\(perChannel ? " per-channel" : "")\(constantWeights ? "" : " runtime-w")\(autoPad.map { " \($0)" } ?? "")\(oneD ? " 1-D" : "")"
    }

    var effectivePads: [Int] {
        guard let autoPad, autoPad.hasPrefix("SAME") else { return autoPad == "VALID" ? [0, 0, 0, 0] : pads }
        func axis(_ i: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
            let out = (i + s - 1) / s, total = max(0, (out - 1) * s + (k - 1) * d + 1 - i)
            return autoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2)
        }
        let h = axis(height, kernel.0, stride.0, dilation.0), w = axis(width, kernel.1, stride.1, dilation.1)
        return [h.0, w.0, h.1, w.1]
    }

    var attributes: [String: Attribute] {
        var a: [String: Attribute] = ["group": .int(group)]
        if oneD {
            a["strides"] = .ints([stride.1]); a["dilations"] = .ints([dilation.1]); a["pads"] = .ints([pads[1], pads[3]])
        } else {
            a["strides"] = .ints([stride.0, stride.1]); a["dilations"] = .ints([dilation.0, dilation.1]); a["pads"] = .ints(pads)
        }
        if let autoPad { a["auto_pad"] = .string(autoPad); a["pads"] = nil }
        return a
    }

    func shaped(_ s: [Int]) -> [Int] { oneD ? [s[0], s[1], s[3]] : s }
}

/// Random operands and the int32 reference of one case.
struct IntegerConvData {
    var x: [Int], w: [Int], zx: Int, zw: [Int], bias: [Int]?
    var xShape: [Int], wShape: [Int]
    var accumulators: [Int], outShape: [Int]

    /// `centered`: zero points near the middle of the range (requantization tests), else full range.
    init(_ c: IntegerConvCase, seed: UInt64, centered: Bool = false) {
        var rng = LinearSeededGenerator(seed: seed)
        xShape = [c.batch, c.channels, c.height, c.width]
        wShape = [c.outChannels, c.channels / c.group, c.kernel.0, c.kernel.1]
        x = rng.ints(c.x, xShape.reduce(1, *))
        w = rng.ints(c.w, wShape.reduce(1, *))
        zx = centered ? rng.centeredInt(c.x) : rng.int(c.x)
        zw = (0..<(c.perChannel ? c.outChannels : 1)).map { _ in centered ? rng.centeredInt(c.w) : rng.int(c.w) }
        bias = c.bias ? (0..<c.outChannels).map { _ in Int.random(in: -20000...20000, using: &rng) } : nil
        let r = IntegerLinearReference.conv(x: x, xShape: xShape, zx: zx, w: w, wShape: wShape, zw: zw,
                                            strides: [c.stride.0, c.stride.1], pads: c.effectivePads,
                                            dilations: [c.dilation.0, c.dilation.1], group: c.group)
        accumulators = r.values; outShape = r.shape
    }
}

@Suite("Quantized: QLinearConv and ConvInteger")
struct QLinearConvTests {
    static let cases: [IntegerConvCase] = [
        IntegerConvCase(channels: 3, outChannels: 8, height: 9, width: 11, kernel: (3, 3), pads: [1, 1, 1, 1]),
        IntegerConvCase(batch: 2, channels: 16, outChannels: 24, height: 7, width: 7, kernel: (1, 1), perChannel: true),
        IntegerConvCase(channels: 5, outChannels: 7, height: 13, width: 10, kernel: (1, 1), stride: (2, 2), x: .int8, y: .int8, bias: false),
        IntegerConvCase(channels: 4, outChannels: 6, height: 20, width: 19, kernel: (3, 5), stride: (2, 1), dilation: (2, 1),
                        pads: [2, 1, 0, 3], w: .uint8, perChannel: true),
        IntegerConvCase(channels: 8, outChannels: 8, height: 17, width: 23, kernel: (3, 3), pads: [1, 1, 1, 1], group: 8, perChannel: true),
        IntegerConvCase(batch: 2, channels: 6, outChannels: 6, height: 15, width: 33, kernel: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1],
                        group: 6, x: .int8, y: .int8),
        IntegerConvCase(channels: 4, outChannels: 4, height: 12, width: 21, kernel: (5, 3), dilation: (2, 3), pads: [4, 3, 4, 3],
                        group: 4, bias: false),
        IntegerConvCase(channels: 4, outChannels: 8, height: 10, width: 10, kernel: (3, 3), pads: [1, 1, 1, 1], group: 4, perChannel: true),
        IntegerConvCase(channels: 6, outChannels: 9, height: 11, width: 12, kernel: (3, 3), group: 3, perChannel: true, constantWeights: false),
        IntegerConvCase(channels: 3, outChannels: 5, height: 10, width: 13, kernel: (4, 3), stride: (2, 3), y: .int8, autoPad: "SAME_UPPER"),
        IntegerConvCase(channels: 3, outChannels: 5, height: 10, width: 13, kernel: (4, 4), stride: (3, 2), autoPad: "SAME_LOWER"),
        IntegerConvCase(channels: 3, outChannels: 5, height: 8, width: 9, kernel: (3, 3), pads: [9, 9, 9, 9], autoPad: "VALID"),
        IntegerConvCase(channels: 7, outChannels: 70, height: 1, width: 40, kernel: (1, 5), stride: (1, 2), pads: [0, 2, 0, 1],
                        perChannel: true, oneD: true),
        // K = 576 and 297 (odd): many run-time chunks of columns, odd last depth pair.
        IntegerConvCase(channels: 64, outChannels: 20, height: 14, width: 14, kernel: (3, 3), pads: [1, 1, 1, 1], perChannel: true),
        IntegerConvCase(channels: 33, outChannels: 13, height: 9, width: 40, kernel: (3, 3), pads: [0, 1, 2, 1], x: .int8, w: .int8),
        IntegerConvCase(channels: 5, outChannels: 5, height: 6, width: 40, kernel: (3, 3), pads: [1, 1, 1, 1], group: 5, constantWeights: false),
        IntegerConvCase(channels: 12, outChannels: 31, height: 19, width: 18, kernel: (1, 1), x: .int8, w: .uint8, y: .int8,
                        perChannel: true, constantWeights: false),
        // Depthwise 3×3 stride 2 down to 7-wide rows, full-range operands (the exact float path's
        // extreme products), and a 9×9 depthwise kernel (81 taps: the int32 path).
        IntegerConvCase(channels: 3, outChannels: 3, height: 14, width: 14, kernel: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1],
                        group: 3, x: .int8, w: .int8, y: .int8, perChannel: true),
        IntegerConvCase(channels: 2, outChannels: 2, height: 20, width: 19, kernel: (9, 9), pads: [4, 4, 4, 4], group: 2),
    ]

    @Test("ConvInteger accumulators are exact", arguments: cases, [1, 3])
    func convInteger(_ c: IntegerConvCase, threads: Int) throws {
        let d = IntegerConvData(c, seed: UInt64(c.channels * 131 + c.height * 7 + c.width + c.group))
        let inputs: [IntegerLinearInput?] = [
            .ints(c.x, d.x, c.shaped(d.xShape)), .ints(c.w, d.w, c.shaped(d.wShape), constant: c.constantWeights),
            .ints(c.x, [d.zx], []), .ints(c.w, d.zw, c.perChannel ? [c.outChannels] : [], constant: true),
        ]
        let (y, prepared) = try integerLinearRun("ConvInteger", attributes: c.attributes, inputs: inputs,
                                                 output: TensorType(dtype: .int32, shape: c.shaped(d.outShape)), threads: threads)
        integerLinearExpectEqual(y, d.accumulators, "ConvInteger \(c) threads=\(threads)")
        let expectedMACs = Int64(d.accumulators.count) * Int64(c.channels / c.group * c.kernel.0 * c.kernel.1)
        #expect(prepared.macs == [c.x: expectedMACs])
        #expect(prepared.computeType == c.x)
    }

    @Test("QLinearConv requantizes exactly (half to even) and within one step of float rounding", arguments: cases, [1, 3])
    func qlinearConv(_ c: IntegerConvCase, threads: Int) throws {
        let d = IntegerConvData(c, seed: UInt64(c.channels * 31 + c.height * 5 + c.width), centered: true)
        var rng = LinearSeededGenerator(seed: 99)
        let xs = Float.random(in: 0.01...0.05, using: &rng)
        let ws = c.perChannel ? (0..<c.outChannels).map { _ in Float.random(in: 0.002...0.02, using: &rng) } : [Float(0.007)]
        let withBias = zip(d.accumulators.indices, d.accumulators).map { i, a in a + (d.bias?[(i / (d.outShape[2] * d.outShape[3])) % c.outChannels] ?? 0) }
        let (ys, zy) = integerLinearOutputQuantization(withBias, inputScale: xs * (ws.reduce(0, +) / Float(ws.count)), c.y)
        var inputs: [IntegerLinearInput?] = [
            .ints(c.x, d.x, c.shaped(d.xShape)), .float([xs]), .ints(c.x, [d.zx], [], constant: true),
            .ints(c.w, d.w, c.shaped(d.wShape), constant: c.constantWeights), .float(ws, c.perChannel ? [c.outChannels] : []),
            .ints(c.w, d.zw, c.perChannel ? [c.outChannels] : [], constant: true),
            .float([ys]), .ints(c.y, [zy], [], constant: true),
        ]
        if let bias = d.bias { inputs.append(.ints(.int32, bias, [c.outChannels], constant: true)) }
        let (y, prepared) = try integerLinearRun("QLinearConv", attributes: c.attributes, inputs: inputs,
                                                 output: TensorType(dtype: c.y, shape: c.shaped(d.outShape)), threads: threads)
        let plane = d.outShape[2] * d.outShape[3]
        var exact: [Int] = [], float: [Int] = []
        for (i, acc) in withBias.enumerated() {
            let oc = (i / plane) % c.outChannels
            let scale = xs * ws[ws.count == 1 ? 0 : oc] / ys
            exact.append(IntegerLinearReference.requantize(acc, scale: scale, zeroPoint: zy, c.y))
            float.append(IntegerLinearReference.requantizeFloat(acc, scale: scale, zeroPoint: zy, c.y))
        }
        integerLinearExpectEqual(y, exact, "QLinearConv \(c) threads=\(threads)")
        #expect(zip(y, float).allSatisfy { abs($0 - Double($1)) <= 1 }, "QLinearConv \(c): more than one step from float rounding")
        // The outputs must use the range, or the comparison could not catch a wrong multiplier.
        let (lo, hi) = integerLinearRange(c.y)
        #expect(Set(exact).count > min(20, exact.count / 4) && exact.filter { $0 == lo || $0 == hi }.count * 4 < exact.count,
                "degenerate test data for \(c)")
        let outputs = Int64(exact.count)
        #expect(prepared.macs == [c.x: outputs * Int64(c.channels / c.group * c.kernel.0 * c.kernel.1)])
        #expect(prepared.ops == [.int32: outputs * (c.bias ? 3 : 2)])
        #expect(prepared.computeType == c.x)
    }

    @Test("ConvInteger reads a run-time input zero point and defaults omitted zero points to 0")
    func runtimeZeroPoint() throws {
        let c = IntegerConvCase(channels: 3, outChannels: 4, height: 6, width: 7, kernel: (3, 3), pads: [1, 1, 1, 1])
        let d = IntegerConvData(c, seed: 5)
        for zx in [0, d.zx] {
            let reference = IntegerLinearReference.conv(x: d.x, xShape: d.xShape, zx: zx, w: d.w, wShape: d.wShape, zw: [0],
                                                        strides: [1, 1], pads: c.pads, dilations: [1, 1], group: 1)
            let inputs: [IntegerLinearInput?] = [.ints(.uint8, d.x, d.xShape), .ints(.int8, d.w, d.wShape, constant: true),
                                                 zx == 0 ? nil : .ints(.uint8, [zx], [], constant: false)]
            let (y, _) = try integerLinearRun("ConvInteger", attributes: c.attributes, inputs: inputs,
                                              output: TensorType(dtype: .int32, shape: reference.shape))
            integerLinearExpectEqual(y, reference.values, "ConvInteger zx=\(zx)")
        }
    }

    @Test("QLinearConv rejects non-constant scales and mismatched bias, naming the node")
    func errors() throws {
        let x = IntegerLinearInput.ints(.uint8, [Int](repeating: 1, count: 2 * 9), [1, 2, 3, 3])
        let w = IntegerLinearInput.ints(.int8, [Int](repeating: 1, count: 3 * 2), [3, 2, 1, 1], constant: true)
        let out = TensorType(dtype: .uint8, shape: [1, 3, 3, 3])
        let zp = IntegerLinearInput.ints(.uint8, [0], [], constant: true), wzp = IntegerLinearInput.ints(.int8, [0], [], constant: true)
        #expect(throws: KernelError.self) {
            _ = try integerLinearPrepare("QLinearConv", inputs: [x, .float([0.1], constant: false), zp, w, .float([0.1]), wzp, .float([0.1]), zp], output: out)
        }
        do {
            _ = try integerLinearPrepare("QLinearConv", inputs: [x, .float([0.1]), zp, w, .float([0.1]), wzp, .float([0.1]), zp,
                                                                 .ints(.int32, [1, 2], [2], constant: true)], output: out)
            Issue.record("a bias of 2 values for 3 channels was accepted")
        } catch let error as KernelError {
            #expect(error.description.contains("test-QLinearConv") && error.description.contains("bias"))
        }
    }
}
