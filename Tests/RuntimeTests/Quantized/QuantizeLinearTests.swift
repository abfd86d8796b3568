import Model
import Runtime
import Testing

@Suite("Quantized: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear")
struct QuantizeLinearTests {
    static let dtypes: [DType] = [.int8, .uint8, .int16, .uint16, .int4, .uint4]

    @Test("per-tensor QuantizeLinear matches the spec exactly, rounding half to even", arguments: dtypes)
    func perTensor(dtype: DType) throws {
        var rng = QuantRandom(seed: 11)
        let (lo, hi) = quantizedRange(dtype)
        let n = 301
        // Exact halves (x / s = k + 0.5) exercise the tie rule; the rest spans past saturation.
        var x = rng.floats(n, -3, 3)
        x[0] = 0.25; x[1] = 0.75; x[2] = -0.25; x[3] = -0.75
        let s: Float = dtype.bitWidth == 4 ? 0.5 : 0.5 / Float(min(hi - lo, 255)) * 8
        let zp = (lo + hi) / 2 + 1
        let r = try runQuantizedOperator("QuantizeLinear", [OpInput(x, [n]), OpInput(scalarTensor(s), constant: true),
                                                              OpInput(scalarQuantized(dtype, zp), constant: true)],
                                         outputs: [TensorType(dtype: dtype, shape: [n])])
        let expected = x.map { referenceQuantize(Double($0 / s), zeroPoint: zp, dtype) }
        #expect(quantizedValues(r.outputs[0]) == expected)
        #expect(r.prepared.computeType == .float32)
        #expect(r.prepared.ops == [.float32: Int64(n) * 3])
    }

    @Test("ties round to even: 0.5 → 0, 1.5 → 2, 2.5 → 2, -0.5 → 0, -1.5 → -2")
    func ties() throws {
        let x: [Float] = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 300, -300, .nan]
        let r = try runQuantizedOperator("QuantizeLinear", [OpInput(x, [9]), OpInput(scalarTensor(1), constant: true),
                                                              OpInput(scalarQuantized(.int8, 0), constant: true)],
                                         outputs: [TensorType(dtype: .int8, shape: [9])])
        #expect(quantizedValues(r.outputs[0]) == [0, 2, 2, 0, -2, -2, 127, -128, 0])
    }

    @Test("no zero point means uint8 with zero point 0")
    func defaultZeroPoint() throws {
        let r = try runQuantizedOperator("QuantizeLinear", [OpInput([-1, 0, 1.2, 300], [4]), OpInput(scalarTensor(1), constant: true)],
                                         outputs: [TensorType(dtype: .uint8, shape: [4])], opset: 13)
        #expect(quantizedValues(r.outputs[0]) == [0, 0, 1, 255])
    }

    @Test("per-axis and blocked QuantizeLinear / DequantizeLinear follow their parameter layout", arguments: [DType.int8, .uint4, .int4])
    func perAxisAndBlocked(dtype: DType) throws {
        var rng = QuantRandom(seed: 5)
        let shape = [2, 6, 3]
        let n = 36
        let x = rng.floats(n, -2, 2)
        let (lo, hi) = quantizedRange(dtype)
        // Per-axis on axis 1.
        let scales = rng.floats(6, 0.01, 0.4)
        let zps = rng.ints(6, lo, hi)
        let q = try runQuantizedOperator("QuantizeLinear", [OpInput(x, shape), OpInput(Tensor(floats: scales, shape: [6])),
                                                              OpInput(quantizedTensor(dtype, zps, shape: [6]))],
                                         outputs: [TensorType(dtype: dtype, shape: shape)], attributes: ["axis": .int(1)])
        var expected: [Int] = []
        for i in 0..<n { let c = (i / 3) % 6; expected.append(referenceQuantize(Double(x[i] / scales[c]), zeroPoint: zps[c], dtype)) }
        #expect(quantizedValues(q.outputs[0]) == expected)
        let dq = try runQuantizedOperator("DequantizeLinear", [OpInput(q.outputs[0]), OpInput(Tensor(floats: scales, shape: [6])),
                                                                 OpInput(quantizedTensor(dtype, zps, shape: [6]))],
                                          outputs: [TensorType(dtype: .float32, shape: shape)], attributes: ["axis": .int(1)])
        let back: [Float] = (0..<n).map { (i: Int) -> Float in
            let c = (i / 3) % 6
            return Float(expected[i] - zps[c]) * scales[c]
        }
        #expect(dq.outputs[0].scalars(as: Float.self) == back)
        #expect(dq.prepared.ops == [.float32: Int64(n) * 2])

        // Blocked on axis 1 with block 4: 6 → 2 blocks, scale shape [2, 2, 3].
        let bScales = rng.floats(12, 0.01, 0.4)
        let bZps = rng.ints(12, lo, hi)
        let attrs: [String: Attribute] = ["axis": .int(1), "block_size": .int(4)]
        let bq = try runQuantizedOperator("QuantizeLinear", [OpInput(x, shape), OpInput(Tensor(floats: bScales, shape: [2, 2, 3])),
                                                               OpInput(quantizedTensor(dtype, bZps, shape: [2, 2, 3]))],
                                          outputs: [TensorType(dtype: dtype, shape: shape)], attributes: attrs)
        func param(_ i: Int) -> Int { let o = i / 18, d = (i / 3) % 6, j = i % 3; return (o * 2 + d / 4) * 3 + j }
        let bExpected: [Int] = (0..<n).map { (i: Int) -> Int in referenceQuantize(Double(x[i] / bScales[param(i)]), zeroPoint: bZps[param(i)], dtype) }
        #expect(quantizedValues(bq.outputs[0]) == bExpected)
        let bdq = try runQuantizedOperator("DequantizeLinear", [OpInput(bq.outputs[0]), OpInput(Tensor(floats: bScales, shape: [2, 2, 3])),
                                                                  OpInput(quantizedTensor(dtype, bZps, shape: [2, 2, 3]))],
                                           outputs: [TensorType(dtype: .float32, shape: shape)], attributes: attrs)
        let bBack: [Float] = (0..<n).map { (i: Int) -> Float in Float(bExpected[i] - bZps[param(i)]) * bScales[param(i)] }
        #expect(bdq.outputs[0].scalars(as: Float.self) == bBack)
    }

    @Test("blocked scale with the wrong shape is a typed error")
    func blockedShapeError() throws {
        #expect(throws: KernelError.self) {
            _ = try runQuantizedOperator("DequantizeLinear", [OpInput(quantizedTensor(.int4, Array(repeating: 1, count: 8), shape: [2, 4])),
                                                                OpInput(Tensor(floats: [1, 1, 1], shape: [3, 1]))],
                                         outputs: [TensorType(dtype: .float32, shape: [2, 4])], attributes: ["axis": .int(1), "block_size": .int(2)])
        }
    }

    @Test("DequantizeLinear of every integer type, float32 and float16 out", arguments: [DType.int8, .uint8, .int16, .uint16, .int32, .int4, .uint4])
    func dequantize(dtype: DType) throws {
        var rng = QuantRandom(seed: 3)
        let (lo, hi) = quantizedRange(dtype)
        let n = 77
        let q = rng.ints(n, max(lo, -100_000), min(hi, 100_000))
        let zp = dtype == .int32 ? 0 : rng.ints(1, lo, hi)[0]
        let s: Float = 0.0173
        let r = try runQuantizedOperator("DequantizeLinear", [OpInput(quantizedTensor(dtype, q, shape: [7, 11])), OpInput(scalarTensor(s)),
                                                              OpInput(scalarQuantized(dtype, zp))],
                                         outputs: [TensorType(dtype: .float32, shape: [7, 11])])
        #expect(r.outputs[0].scalars(as: Float.self) == q.map { Float($0 - zp) * s })
        let h = try runQuantizedOperator("DequantizeLinear", [OpInput(quantizedTensor(dtype, q, shape: [7, 11])),
                                                              OpInput(Tensor(dtype: .float16, shape: [], values: [Float16(s)])),
                                                              OpInput(scalarQuantized(dtype, zp))],
                                         outputs: [TensorType(dtype: .float16, shape: [7, 11])])
        #expect(h.outputs[0].scalars(as: Float16.self) == q.map { Float16(Float($0 - zp) * Float(Float16(s))) })
        #expect(h.prepared.computeType == .float16)
    }

    @Test("QuantizeLinear from float16")
    func quantizeFloat16() throws {
        let x: [Float16] = [-1.5, -0.25, 0, 0.3, 2.5, 100]
        let r = try runQuantizedOperator("QuantizeLinear", [OpInput(Tensor(dtype: .float16, shape: [6], values: x)),
                                                            OpInput(Tensor(dtype: .float16, shape: [], values: [Float16(0.5)])),
                                                            OpInput(scalarQuantized(.uint8, 10))],
                                         outputs: [TensorType(dtype: .uint8, shape: [6])])
        #expect(quantizedValues(r.outputs[0]) == [7, 10, 10, 11, 15, 210])
    }

    @Test("DynamicQuantizeLinear computes scale and zero point as the spec does")
    func dynamic() throws {
        var rng = QuantRandom(seed: 9)
        for (lo, hi) in [(Float(-2), Float(5)), (0.5, 3), (-4, -1), (0, 0)] {
            let x = lo == hi ? [Float](repeating: 0, count: 40) : rng.floats(40, lo, hi)
            let r = try runQuantizedOperator("DynamicQuantizeLinear", [OpInput(x, [5, 8])],
                                             outputs: [TensorType(dtype: .uint8, shape: [5, 8]), TensorType(dtype: .float32, shape: []),
                                                       TensorType(dtype: .uint8, shape: [])])
            let mn = min(0, x.min()!), mx = max(0, x.max()!)
            let scale: Float = mx == mn ? 1 : (mx - mn) / 255
            let zp = Int(max(0, min(255, (0 - mn / scale))).rounded(.toNearestOrEven))
            #expect(r.outputs[1].scalars(as: Float.self) == [scale])
            #expect(quantizedValues(r.outputs[2]) == [zp])
            #expect(quantizedValues(r.outputs[0]) == x.map { referenceQuantize(Double($0 / scale), zeroPoint: zp, .uint8) })
        }
    }

    @Test("an int4 weight behind DequantizeLinear stays packed in the session's accounting")
    func int4WeightAccounting() throws {
        var rng = QuantRandom(seed: 13)
        let w = quantizedTensor(.int4, rng.ints(64 * 32, -8, 7), shape: [64, 32])
        let scale = Tensor(floats: rng.floats(32, 0.01, 0.1), shape: [32])
        let zp = quantizedTensor(.int4, Array(repeating: 0, count: 32), shape: [32])
        let f = { (s: [Int]) in TensorType(dtype: .float32, shape: s) }
        let graph = Graph(name: "int4", nodes: [
            Node(name: "dq", opType: "DequantizeLinear", inputs: ["wq", "ws", "wz"], outputs: ["w"], attributes: ["axis": .int(1)]),
            Node(name: "mm", opType: "MatMul", inputs: ["x", "w"], outputs: ["y"]),
        ], initializers: ["wq": w, "ws": scale, "wz": zp],
           inputs: [ValueInfo(name: "x", declaredShape: [.fixed(2), .fixed(64)], type: f([2, 64]))],
           outputs: [ValueInfo(name: "y", declaredShape: [.fixed(2), .fixed(32)], type: f([2, 32]))],
           valueTypes: ["x": f([2, 64]), "w": f([64, 32]), "y": f([2, 32]), "wq": TensorType(dtype: .int4, shape: [64, 32]),
                        "ws": f([32]), "wz": TensorType(dtype: .int4, shape: [32])],
           opsets: ["": 21])
        let session = try InferenceSession(graph: graph)
        // 2048 int4 weights in 1024 bytes, plus 32 fp32 scales and 32 int4 zero points.
        #expect(session.memoryPlan.modelWeightBytes == 1024 + 128 + 16)
        #expect(session.nodeCounts[0].weightBytesRead == 1024 + 128 + 16)
        let x = Tensor(floats: rng.floats(128, -1, 1), shape: [2, 64])
        let y = try session.run(["x": x])["y"]!.scalars(as: Float.self)
        let q = quantizedValues(w), s = scale.scalars(as: Float.self), xv = x.scalars(as: Float.self)
        let expected: [Float] = (0..<64).map { (i: Int) -> Float in
            let (r, c) = (i / 32, i % 32)
            return (0..<64).reduce(Float(0)) { $0 + xv[r * 64 + $1] * Float(q[$1 * 32 + c]) * s[c] }
        }
        expectClose(y, expected, tolerance: 1e-4, "int4 DQ → MatMul")
    }
}
