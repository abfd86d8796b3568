import Model
import Runtime
import Testing

@Suite("Quantized: QLinear pools, integer MaxPool, MatMulNBits")
struct QLinearPoolTests {
    static func poolInputs(_ x: Tensor, _ xs: Float, _ xz: Int, _ ys: Float, _ yz: Int) -> [OpInput?] {
        [OpInput(x), OpInput(scalarTensor(xs), constant: true), OpInput(scalarQuantized(x.dtype, xz), constant: true),
         OpInput(scalarTensor(ys), constant: true), OpInput(scalarQuantized(x.dtype, yz), constant: true)]
    }

    /// NCHW → NHWC of a [n, c, h, w] value list.
    static func nhwc(_ v: [Int], _ n: Int, _ c: Int, _ h: Int, _ w: Int) -> [Int] {
        var out = [Int](repeating: 0, count: v.count)
        for b in 0..<n { for ch in 0..<c { for i in 0..<(h * w) { out[(b * h * w + i) * c + ch] = v[(b * c + ch) * h * w + i] } } }
        return out
    }

    @Test("QLinearGlobalAveragePool, NCHW and channels_last, matches the spec exactly", arguments: [DType.uint8, .int8])
    func globalAverage(dtype: DType) throws {
        var rng = QuantRandom(seed: 31)
        let (lo, hi) = quantizedRange(dtype)
        let (n, c, h, w) = (2, 5, 7, 3)
        let x = rng.ints(n * c * h * w, lo, hi)
        let (xs, xz, ys, yz): (Float, Int, Float, Int) = (0.03, lo + 100, 0.011, (lo + hi) / 2)
        let expected = (0..<(n * c)).map { p -> Int in
            let sum = x[(p * h * w)..<((p + 1) * h * w)].reduce(0) { $0 + $1 - xz }
            return referenceQuantize(Double(sum) * Double(xs) / Double(h * w) / Double(ys), zeroPoint: yz, dtype)
        }
        let r = try runQuantizedOperator("QLinearGlobalAveragePool", domain: "com.microsoft",
                                         Self.poolInputs(quantizedTensor(dtype, x, shape: [n, c, h, w]), xs, xz, ys, yz),
                                         outputs: [TensorType(dtype: dtype, shape: [n, c, 1, 1])], threads: 2)
        #expect(quantizedValues(r.outputs[0]) == expected)
        #expect(r.prepared.ops == [dtype: Int64(x.count + 3 * n * c)])
        let last = try runQuantizedOperator("QLinearGlobalAveragePool", domain: "com.microsoft",
                                            Self.poolInputs(quantizedTensor(dtype, Self.nhwc(x, n, c, h, w), shape: [n, h, w, c]), xs, xz, ys, yz),
                                            outputs: [TensorType(dtype: dtype, shape: [n, 1, 1, c])], attributes: ["channels_last": .int(1)])
        #expect(quantizedValues(last.outputs[0]) == expected)
    }

    /// Reference average/max pool in real numbers over NCHW (2-D, no dilation).
    static func referencePool(_ x: [Int], n: Int, c: Int, h: Int, w: Int, k: Int, stride: Int, pad: Int, outH: Int, outW: Int,
                              isMax: Bool, includePad: Bool, xs: Float, xz: Int, ys: Float, yz: Int, dtype: DType) -> [Int] {
        var out: [Int] = []
        for p in 0..<(n * c) {
            for oh in 0..<outH {
                for ow in 0..<outW {
                    var values: [Int] = [], padded = 0
                    for r in 0..<k {
                        for s in 0..<k {
                            let ih = oh * stride - pad + r, iw = ow * stride - pad + s
                            if ih >= -pad, ih < h + pad, iw >= -pad, iw < w + pad { padded += 1 }
                            if ih >= 0, ih < h, iw >= 0, iw < w { values.append(x[(p * h + ih) * w + iw]) }
                        }
                    }
                    if isMax { out.append(values.max()!); continue }
                    let real = values.reduce(0.0) { $0 + Double($1 - xz) * Double(xs) } / Double(includePad ? padded : values.count)
                    out.append(referenceQuantize(real / Double(ys), zeroPoint: yz, dtype))
                }
            }
        }
        return out
    }

    @Test("QLinearAveragePool (pads, strides, count_include_pad, channels_last) and integer MaxPool", arguments: [DType.uint8, .int8])
    func windowed(dtype: DType) throws {
        var rng = QuantRandom(seed: 37)
        let (lo, hi) = quantizedRange(dtype)
        let (n, c, h, w, k) = (1, 3, 6, 5, 3)
        let x = rng.ints(n * c * h * w, lo, hi)
        let (xs, xz, ys, yz): (Float, Int, Float, Int) = (0.02, lo + 60, 0.015, lo + 120)
        for (stride, pad) in [(1, 0), (2, 1), (1, 1)] {
            let outH = (h + 2 * pad - k) / stride + 1, outW = (w + 2 * pad - k) / stride + 1
            for include in [false, true] {
                let attrs: [String: Attribute] = ["kernel_shape": .ints([k, k]), "strides": .ints([stride, stride]),
                                                  "pads": .ints([pad, pad, pad, pad]), "count_include_pad": .int(include ? 1 : 0)]
                let expected = Self.referencePool(x, n: n, c: c, h: h, w: w, k: k, stride: stride, pad: pad, outH: outH, outW: outW,
                                                  isMax: false, includePad: include, xs: xs, xz: xz, ys: ys, yz: yz, dtype: dtype)
                let r = try runQuantizedOperator("QLinearAveragePool", domain: "com.microsoft",
                                                 Self.poolInputs(quantizedTensor(dtype, x, shape: [n, c, h, w]), xs, xz, ys, yz),
                                                 outputs: [TensorType(dtype: dtype, shape: [n, c, outH, outW])], attributes: attrs)
                #expect(quantizedValues(r.outputs[0]) == expected, "stride \(stride) pad \(pad) include \(include)")
                #expect(r.prepared.ops == [dtype: Int64(n * c * outH * outW) * Int64(k * k + 3)])
                var lastAttrs = attrs
                lastAttrs["channels_last"] = .int(1)
                let last = try runQuantizedOperator("QLinearAveragePool", domain: "com.microsoft",
                                                    Self.poolInputs(quantizedTensor(dtype, Self.nhwc(x, n, c, h, w), shape: [n, h, w, c]), xs, xz, ys, yz),
                                                    outputs: [TensorType(dtype: dtype, shape: [n, outH, outW, c])], attributes: lastAttrs)
                #expect(quantizedValues(last.outputs[0]) == Self.nhwc(expected, n, c, outH, outW), "channels_last stride \(stride) pad \(pad)")
            }
            let maxAttrs: [String: Attribute] = ["kernel_shape": .ints([k, k]), "strides": .ints([stride, stride]), "pads": .ints([pad, pad, pad, pad])]
            let m = try runQuantizedOperator("MaxPool", [OpInput(quantizedTensor(dtype, x, shape: [n, c, h, w]))],
                                             outputs: [TensorType(dtype: dtype, shape: [n, c, outH, outW])], attributes: maxAttrs, opset: 17)
            #expect(quantizedValues(m.outputs[0]) == Self.referencePool(x, n: n, c: c, h: h, w: w, k: k, stride: stride, pad: pad, outH: outH, outW: outW,
                                                                         isMax: true, includePad: false, xs: 1, xz: 0, ys: 1, yz: 0, dtype: dtype))
            #expect(m.prepared.computeType == dtype)
        }
    }

    @Test("integer MaxPool on rows wide enough for the 16-output vector path", arguments: [DType.uint8, .int8])
    func wideMaxPool(dtype: DType) throws {
        var rng = QuantRandom(seed: 41)
        let (lo, hi) = quantizedRange(dtype)
        let (n, c, h, w, k) = (1, 2, 5, 75, 3)
        let x = rng.ints(n * c * h * w, lo, hi)
        for (stride, pad) in [(1, 0), (1, 1), (2, 0), (2, 1)] {
            let outH = (h + 2 * pad - k) / stride + 1, outW = (w + 2 * pad - k) / stride + 1
            let attrs: [String: Attribute] = ["kernel_shape": .ints([k, k]), "strides": .ints([stride, stride]), "pads": .ints([pad, pad, pad, pad])]
            let m = try runQuantizedOperator("MaxPool", [OpInput(quantizedTensor(dtype, x, shape: [n, c, h, w]))],
                                             outputs: [TensorType(dtype: dtype, shape: [n, c, outH, outW])], attributes: attrs, opset: 17)
            #expect(quantizedValues(m.outputs[0]) == Self.referencePool(x, n: n, c: c, h: h, w: w, k: k, stride: stride, pad: pad, outH: outH, outW: outW,
                                                                         isMax: true, includePad: false, xs: 1, xz: 0, ys: 1, yz: 0, dtype: dtype),
                    "stride \(stride) pad \(pad)")
        }
    }

    /// Packs 4-bit values two per byte, low nibble first.
    static func pack4(_ v: [Int]) -> [UInt8] {
        stride(from: 0, to: v.count, by: 2).map { UInt8(v[$0] & 0xF) | (($0 + 1 < v.count ? UInt8(v[$0 + 1] & 0xF) : 0) << 4) }
    }

    @Test("MatMulNBits with 4-bit blocks, packed or float or default zero points, bias, K not a block multiple",
          arguments: [0, 1, 2])
    func matMulNBits(zeroPoints: Int) throws {
        var rng = QuantRandom(seed: 41)
        let (m, k, n, block) = (3, 40, 5, 16)
        let blocks = (k + block - 1) / block, blob = block / 2
        let a = rng.floats(m * k, -1, 1)
        var q = [[Int]](repeating: [], count: n)
        var bytes: [UInt8] = []
        for col in 0..<n {
            q[col] = rng.ints(blocks * block, 0, 15)
            bytes += Self.pack4(q[col])
        }
        let scales = rng.floats(n * blocks, 0.01, 0.2)
        let zpInts = rng.ints(n * blocks, 0, 15), zpFloats = rng.floats(n * blocks, 6, 9)
        let bias = rng.floats(n, -1, 1)
        var inputs: [OpInput?] = [OpInput(a, [m, k]), OpInput(Tensor(dtype: .uint8, shape: [n, blocks, blob], values: bytes), constant: true),
                                  OpInput(Tensor(floats: scales, shape: [n * blocks]), constant: true)]
        switch zeroPoints {
        case 1:
            var packed: [UInt8] = []
            for col in 0..<n { packed += Self.pack4(Array(zpInts[(col * blocks)..<((col + 1) * blocks)])) }
            inputs.append(OpInput(Tensor(dtype: .uint8, shape: [packed.count], values: packed), constant: true))
        case 2: inputs.append(OpInput(Tensor(floats: zpFloats, shape: [n * blocks]), constant: true))
        default: inputs.append(nil)
        }
        inputs += [nil, OpInput(bias, [n], constant: true)]
        let r = try runQuantizedOperator("MatMulNBits", domain: "com.microsoft", inputs, outputs: [TensorType(dtype: .float32, shape: [m, n])],
                                         attributes: ["K": .int(k), "N": .int(n), "bits": .int(4), "block_size": .int(block)],
                                         threads: 2, options: SessionOptions(threads: 2))
        var expected: [Float] = []
        for row in 0..<m {
            for col in 0..<n {
                var acc: Double = 0
                for j in 0..<k {
                    let b = col * blocks + j / block
                    let zero = zeroPoints == 1 ? Double(zpInts[b]) : (zeroPoints == 2 ? Double(zpFloats[b]) : 8)
                    acc += Double(a[row * k + j]) * (Double(q[col][j]) - zero) * Double(scales[b])
                }
                expected.append(Float(acc) + bias[col])
            }
        }
        expectClose(r.outputs[0].scalars(as: Float.self), expected, tolerance: 1e-4, "MatMulNBits zp \(zeroPoints)")
        #expect(r.prepared.macs == [.float32: Int64(m * n * k)])
        #expect(r.prepared.packedWeightBytes == nil, "reads the packed 4-bit constant as stored")
    }

    @Test("MatMulNBits with float16 A and scales runs through the fp16 wrapper and counts under float16")
    func matMulNBitsFloat16() throws {
        var rng = QuantRandom(seed: 43)
        let (m, k, n, block) = (2, 32, 3, 16)
        let a = rng.floats(m * k, -1, 1).map { Float(Float16($0)) }
        let q = rng.ints(n * k, 0, 15)
        let bytes = Self.pack4(q)
        let scales = rng.floats(n * 2, 0.01, 0.2).map { Float(Float16($0)) }
        let r = try runQuantizedOperator("MatMulNBits", domain: "com.microsoft",
                                         [OpInput(Tensor(dtype: .float16, shape: [m, k], values: a.map { Float16($0) })),
                                          OpInput(Tensor(dtype: .uint8, shape: [n, 2, block / 2], values: bytes), constant: true),
                                          OpInput(Tensor(dtype: .float16, shape: [n * 2], values: scales.map { Float16($0) }), constant: true)],
                                         outputs: [TensorType(dtype: .float16, shape: [m, n])],
                                         attributes: ["K": .int(k), "N": .int(n), "bits": .int(4), "block_size": .int(block)])
        let expected: [Float] = (0..<(m * n)).map { (i: Int) -> Float in
            let (row, col) = (i / n, i % n)
            return (0..<k).reduce(Float(0)) { $0 + a[row * k + $1] * (Float(q[col * k + $1]) - 8) * scales[col * 2 + $1 / block] }
        }
        expectClose(r.outputs[0].scalars(as: Float16.self).map { Float($0) }, expected, tolerance: 2e-3, "fp16 MatMulNBits")
        #expect(r.prepared.computeType == .float16)
        let macs: Int64 = 2 * 3 * 32
        #expect(r.prepared.macs == [.float16: macs])
    }
}
