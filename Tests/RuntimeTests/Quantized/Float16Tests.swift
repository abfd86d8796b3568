import Model
import Runtime
import Testing

@Suite("Quantized: float16 kernels and Cast")
struct Float16Tests {
    static func half(_ v: [Float], _ shape: [Int], constant: Bool = false) -> OpInput {
        OpInput(Tensor(dtype: .float16, shape: shape, values: v.map { Float16($0) }), constant: constant)
    }

    /// Runs `op` on fp16 inputs and on the same values widened to fp32; the fp16 result
    /// must be the fp32 result rounded to fp16.
    static func compare(_ op: String, _ inputs: [(values: [Float], shape: [Int], constant: Bool)], out: [Int],
                        attributes: [String: Attribute] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws -> PreparedKernel {
        let rounded = inputs.map { ($0.values.map { Float(Float16($0)) }, $0.shape, $0.constant) }
        let h = try runQuantizedOperator(op, rounded.map { half($0.0, $0.1, constant: $0.2) },
                                         outputs: [TensorType(dtype: .float16, shape: out)], attributes: attributes, opset: 17)
        let f = try runQuantizedOperator(op, rounded.map { OpInput($0.0, $0.1, constant: $0.2) },
                                         outputs: [TensorType(dtype: .float32, shape: out)], attributes: attributes, opset: 17)
        let expected = f.outputs[0].scalars(as: Float.self).map { Float16($0) }
        #expect(h.outputs[0].scalars(as: Float16.self) == expected, "\(op)", sourceLocation: sourceLocation)
        #expect(h.prepared.computeType == .float16, sourceLocation: sourceLocation)
        #expect(h.prepared.macs == Dictionary(uniqueKeysWithValues: f.prepared.macs.map { ($0.key == .float32 ? .float16 : $0.key, $0.value) }),
                sourceLocation: sourceLocation)
        #expect(h.prepared.ops == Dictionary(uniqueKeysWithValues: f.prepared.ops.map { ($0.key == .float32 ? .float16 : $0.key, $0.value) }),
                sourceLocation: sourceLocation)
        return h.prepared
    }

    @Test("fp16 Conv, Gemm, MatMul, pools, activations, Softmax, BatchNorm equal fp32 rounded to fp16")
    func kernels() throws {
        var rng = QuantRandom(seed: 21)
        let x = rng.floats(2 * 3 * 6 * 6, -1, 1), w = rng.floats(4 * 3 * 3 * 3, -0.5, 0.5), b = rng.floats(4, -0.1, 0.1)
        let conv = try Self.compare("Conv", [(x, [2, 3, 6, 6], false), (w, [4, 3, 3, 3], true), (b, [4], true)], out: [2, 4, 6, 6],
                                    attributes: ["pads": .ints([1, 1, 1, 1]), "kernel_shape": .ints([3, 3])])
        let convMACs: Int64 = 2 * 4 * 6 * 6 * 3 * 9
        #expect(conv.macs[.float16] == convMACs)
        let a = rng.floats(5 * 7, -1, 1), bm = rng.floats(7 * 3, -1, 1), c = rng.floats(3, -1, 1)
        _ = try Self.compare("Gemm", [(a, [5, 7], false), (bm, [7, 3], true), (c, [3], true)], out: [5, 3])
        _ = try Self.compare("MatMul", [(a, [5, 7], false), (bm, [7, 3], false)], out: [5, 3])
        _ = try Self.compare("MaxPool", [(x, [2, 3, 6, 6], false)], out: [2, 3, 3, 3], attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])])
        _ = try Self.compare("AveragePool", [(x, [2, 3, 6, 6], false)], out: [2, 3, 3, 3], attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])])
        _ = try Self.compare("GlobalAveragePool", [(x, [2, 3, 6, 6], false)], out: [2, 3, 1, 1])
        _ = try Self.compare("Relu", [(x, [2, 3, 6, 6], false)], out: [2, 3, 6, 6])
        _ = try Self.compare("Sigmoid", [(x, [2, 3, 6, 6], false)], out: [2, 3, 6, 6])
        _ = try Self.compare("Add", [(x, [2, 3, 6, 6], false), (b.prefix(3).map { $0 }, [3, 1, 1], true)], out: [2, 3, 6, 6])
        _ = try Self.compare("Mul", [(x, [2, 3, 6, 6], false), (x, [2, 3, 6, 6], false)], out: [2, 3, 6, 6])
        _ = try Self.compare("Softmax", [(a, [5, 7], false)], out: [5, 7])
        let g = rng.floats(3, 0.5, 1.5), beta = rng.floats(3, -1, 1), mean = rng.floats(3, -1, 1), v = rng.floats(3, 0.5, 2)
        _ = try Self.compare("BatchNormalization", [(x, [2, 3, 6, 6], false), (g, [3], true), (beta, [3], true), (mean, [3], true), (v, [3], true)],
                             out: [2, 3, 6, 6])
    }

    @Test("fp16 Clip with fp16 min/max inputs, and Reshape/Concat/Transpose stay byte-generic")
    func clipAndShapeOps() throws {
        _ = try Self.compare("Clip", [([-2, -0.5, 0, 0.7, 3], [5], false), ([-1], [], true), ([1], [], true)], out: [5])
        let registry = KernelRegistry.standard
        for op in ["Reshape", "Flatten", "Concat", "Transpose", "Slice", "Gather", "Squeeze", "Unsqueeze"] {
            #expect(registry.factory(for: KernelKey(op, dtype: .float16)) != nil, "\(op) fp16")
        }
        let r = try runQuantizedOperator("Concat", [Self.half([1, 2], [2]), Self.half([3], [1])],
                                         outputs: [TensorType(dtype: .float16, shape: [3])], attributes: ["axis": .int(0)], opset: 17)
        #expect(r.outputs[0].scalars(as: Float16.self) == [1, 2, 3])
    }

    @Test("an fp16 graph keeps fp16 tensors in the arena and counts under float16")
    func session() throws {
        var rng = QuantRandom(seed: 4)
        let w = Tensor(dtype: .float16, shape: [8, 3, 3, 3], values: rng.floats(216, -0.5, 0.5).map { Float16($0) })
        let h = TensorType(dtype: .float16, shape: [1, 8, 8, 8])
        let graph = Graph(name: "fp16", nodes: [
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["r"]),
            Node(name: "gap", opType: "GlobalAveragePool", inputs: ["r"], outputs: ["y"]),
        ], initializers: ["w": w],
           inputs: [ValueInfo(name: "x", declaredShape: [.fixed(1), .fixed(3), .fixed(8), .fixed(8)], type: TensorType(dtype: .float16, shape: [1, 3, 8, 8]))],
           outputs: [ValueInfo(name: "y", declaredShape: [.fixed(1), .fixed(8), .fixed(1), .fixed(1)], type: TensorType(dtype: .float16, shape: [1, 8, 1, 1]))],
           valueTypes: ["x": TensorType(dtype: .float16, shape: [1, 3, 8, 8]), "w": TensorType(dtype: .float16, shape: [8, 3, 3, 3]),
                        "c": h, "r": h, "y": TensorType(dtype: .float16, shape: [1, 8, 1, 1])],
           opsets: ["": 17])
        let session = try InferenceSession(graph: graph)
        // Two fp16 intermediates of 512 elements each are live together at most.
        #expect(session.memoryPlan.lowerBoundBytes == 2 * 512 * 2)
        #expect(session.nodeCounts.allSatisfy { $0.computeType == .float16 })
        let sessionMACs: Int64 = 8 * 64 * 27
        #expect(session.nodeCounts[0].macs[.float16] == sessionMACs)
        let x = Tensor(dtype: .float16, shape: [1, 3, 8, 8], values: rng.floats(192, -1, 1).map { Float16($0) })
        let y = try session.run(["x": x])["y"]!
        #expect(y.dtype == .float16)
        #expect(y.scalars(as: Float16.self).allSatisfy { $0 >= 0 && $0.isFinite })
    }

    @Test("Cast between float16, float32, integers and bool")
    func cast() throws {
        let f: [Float] = [-70000, -2.7, -0.5, 0, 0.5, 1.5, 65504, 1e9]
        let toHalf = try runQuantizedOperator("Cast", [OpInput(f, [8])], outputs: [TensorType(dtype: .float16, shape: [8])],
                                              attributes: ["to": .int(10)], opset: 17)
        #expect(toHalf.outputs[0].scalars(as: Float16.self) == f.map { Float16($0) })
        let back = try runQuantizedOperator("Cast", [OpInput(toHalf.outputs[0])], outputs: [TensorType(dtype: .float32, shape: [8])],
                                            attributes: ["to": .int(1)], opset: 17)
        #expect(back.outputs[0].scalars(as: Float.self) == f.map { Float(Float16($0)) })
        let toInt8 = try runQuantizedOperator("Cast", [OpInput(toHalf.outputs[0])], outputs: [TensorType(dtype: .int8, shape: [8])],
                                              attributes: ["to": .int(3)], opset: 17)
        #expect(quantizedValues(toInt8.outputs[0]) == [-128, -2, 0, 0, 0, 1, 127, 127])
        let toU16 = try runQuantizedOperator("Cast", [OpInput(f, [8])], outputs: [TensorType(dtype: .uint16, shape: [8])],
                                             attributes: ["to": .int(4)], opset: 17)
        #expect(quantizedValues(toU16.outputs[0]) == [0, 0, 0, 0, 0, 1, 65504, 65535])
        let toBool = try runQuantizedOperator("Cast", [OpInput(toHalf.outputs[0])], outputs: [TensorType(dtype: .bool, shape: [8])],
                                              attributes: ["to": .int(9)], opset: 17)
        #expect(toBool.outputs[0].scalars(as: UInt8.self) == [1, 1, 1, 0, 1, 1, 1, 1])
        let fromBool = try runQuantizedOperator("Cast", [OpInput(toBool.outputs[0])], outputs: [TensorType(dtype: .float16, shape: [8])],
                                                attributes: ["to": .int(10)], opset: 17)
        #expect(fromBool.outputs[0].scalars(as: Float16.self) == [1, 1, 1, 0, 1, 1, 1, 1])
        let i16 = Tensor(dtype: .int16, shape: [3], values: [Int16(-300), 5, 32767])
        let toU8 = try runQuantizedOperator("Cast", [OpInput(i16)], outputs: [TensorType(dtype: .float16, shape: [3])],
                                            attributes: ["to": .int(10)], opset: 17)
        #expect(toU8.outputs[0].scalars(as: Float16.self) == [-300, 5, 32768])
    }
}
