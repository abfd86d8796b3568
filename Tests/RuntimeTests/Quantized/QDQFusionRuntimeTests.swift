import Model
import Runtime
import Testing

/// Builds QDQ graphs node by node (the ModelTests builder's twin: test targets do not share code).
struct QDQRuntimeGraph {
    var nodes: [Node] = []
    var initializers: [String: Tensor] = [:]
    var count = 0
    let act: DType

    init(activations: DType) { act = activations }

    mutating func fresh(_ base: String) -> String { count += 1; return "\(base)\(count)" }

    mutating func parameters(_ scale: [Float], _ zp: [Int], _ dtype: DType) -> (String, String) {
        let s = fresh("s"), z = fresh("z")
        let shape = scale.count == 1 ? [] : [scale.count]
        initializers[s] = Tensor(dtype: .float32, shape: shape, values: scale)
        initializers[z] = quantizedTensor(dtype, zp, shape: shape)
        return (s, z)
    }

    /// Activation zero points are given for uint8 and shifted by 128 for int8.
    func zero(_ zp: Int) -> Int { act == .int8 ? zp - 128 : zp }

    mutating func q(_ x: String, _ scale: Float, _ zp: Int) -> String {
        let (s, z) = parameters([scale], [zero(zp)], act)
        let y = fresh("q")
        nodes.append(Node(name: y, opType: "QuantizeLinear", inputs: [x, s, z], outputs: [y]))
        return y
    }

    mutating func dq(_ x: String, _ scale: [Float], _ zp: [Int], _ dtype: DType, axis: Int? = nil) -> String {
        let (s, z) = parameters(scale, zp, dtype)
        let y = fresh("dq")
        nodes.append(Node(name: y, opType: "DequantizeLinear", inputs: [x, s, z], outputs: [y], attributes: axis.map { ["axis": .int($0)] } ?? [:]))
        return y
    }

    mutating func qdq(_ x: String, _ scale: Float, _ zp: Int) -> String { dq(q(x, scale, zp), [scale], [zero(zp)], act) }

    mutating func op(_ type: String, _ inputs: [String], _ attributes: [String: Attribute] = [:]) -> String {
        let y = fresh(type.lowercased())
        nodes.append(Node(name: y, opType: type, inputs: inputs, outputs: [y], attributes: attributes))
        return y
    }

    mutating func constant(_ t: Tensor) -> String { let n = fresh("c"); initializers[n] = t; return n }

    /// A CNN-shaped QDQ chain exercising every fused pattern; outputs (feature map, logits).
    static func chain(activations: DType, seed: UInt64) throws -> Graph {
        var b = QDQRuntimeGraph(activations: activations)
        var rng = QuantRandom(seed: seed)
        let x = b.qdq("x", 0.02, 128)
        let w = b.dq(b.constant(quantizedTensor(.int8, rng.ints(8 * 3 * 9, -127, 127), shape: [8, 3, 3, 3])),
                     rng.floats(8, 0.002, 0.006), Array(repeating: 0, count: 8), .int8, axis: 0)
        let bias = b.constant(Tensor(floats: rng.floats(8, -0.3, 0.3), shape: [8]))
        let conv = b.qdq(b.op("Conv", [x, w, bias], ["pads": .ints([1, 1, 1, 1])]), 0.04, 128)
        let relu = b.qdq(b.op("Relu", [conv]), 0.04, 128)
        let pool = b.qdq(b.op("MaxPool", [relu], ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]), 0.04, 128)
        let c = b.dq(b.constant(quantizedTensor(activations, rng.ints(8, b.zero(0), b.zero(255)), shape: [1, 8, 1, 1])), [0.01], [b.zero(100)], activations)
        let add = b.qdq(b.op("Add", [pool, c]), 0.05, 110)
        // A residual block as ONNX-zoo ResNets write it: Sum → Relu → Q.
        let res = b.qdq(b.op("Relu", [b.op("Sum", [add, pool])]), 0.05, 100)
        let mul = b.qdq(b.op("Mul", [res, pool]), 0.05, 100)
        let cat = b.qdq(b.op("Concat", [mul, add], ["axis": .int(1)]), 0.05, 105)
        let avg = b.qdq(b.op("AveragePool", [cat], ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1]), "count_include_pad": .int(0)]), 0.04, 100)
        let gap = b.qdq(b.op("GlobalAveragePool", [avg]), 0.03, 90)
        let flat = b.qdq(b.op("Flatten", [gap]), 0.03, 90)
        let w2 = b.dq(b.constant(quantizedTensor(.int8, rng.ints(16 * 12, -127, 127), shape: [16, 12])), [0.004], [0], .int8)
        let mm = b.qdq(b.op("MatMul", [flat, w2]), 0.03, 128)
        let w3 = b.dq(b.constant(quantizedTensor(.int8, rng.ints(5 * 12, -127, 127), shape: [5, 12])), rng.floats(5, 0.004, 0.01), [0, 0, 0, 0, 0], .int8, axis: 0)
        let gemm = b.op("Gemm", [mm, w3, b.constant(Tensor(floats: rng.floats(5, -0.2, 0.2), shape: [5]))], ["transB": .int(1)])
        let logits = b.qdq(b.op("Softmax", [b.qdq(gemm, 0.02, 128)]), 1.0 / 256, 0)
        var g = Graph(name: "qdq-chain", nodes: b.nodes, initializers: b.initializers,
                      inputs: [ValueInfo(name: "x", declaredShape: [.fixed(1), .fixed(3), .fixed(12), .fixed(12)], type: TensorType(dtype: .float32, shape: [1, 3, 12, 12]))],
                      outputs: [ValueInfo(name: avg, declaredShape: [], type: TensorType(dtype: .float32, shape: [])),
                                ValueInfo(name: logits, declaredShape: [], type: TensorType(dtype: .float32, shape: []))],
                      opsets: ["": 17])
        try ShapeInference.infer(&g)
        return g
    }
}

@Suite("Quantized: QDQ fusion end to end")
struct QDQFusionRuntimeTests {
    static let integerOnly = SessionOptions(integerOnly: true, allowFloatIO: true)

    @Test("the fused graph is integer-only and matches the QDQ graph within one quantization step", arguments: [DType.uint8, .int8])
    func fusedMatchesUnfused(activations: DType) throws {
        let unfused = try QDQRuntimeGraph.chain(activations: activations, seed: 77)
        var fused = unfused
        try GraphPasses.optimize(&fused, evaluator: KernelConstantEvaluator())
        #expect(fused.nodes.map(\.opType) == ["QuantizeLinear", "QLinearConv", "Clip", "MaxPool", "QLinearAdd", "QLinearAdd", "Clip", "QLinearMul", "QLinearConcat",
                                              "QLinearAveragePool", "DequantizeLinear", "QLinearGlobalAveragePool", "Flatten", "QLinearMatMul",
                                              "QGemm", "QLinearSoftmax", "DequantizeLinear"])
        #expect(throws: SessionError.self) { _ = try InferenceSession(graph: unfused, options: Self.integerOnly) }
        let session = try InferenceSession(graph: fused, options: Self.integerOnly)
        let floatNodes = session.nodeCounts.filter { $0.computeType.isFloatingPoint }.map(\.opType)
        #expect(floatNodes == ["QuantizeLinear", "DequantizeLinear", "DequantizeLinear"])
        let reference = try InferenceSession(graph: unfused)
        var generator = SplitMix64(seed: 5)
        let x = RandomInputs.make(TensorType(dtype: .float32, shape: [1, 3, 12, 12]), using: &generator)
        let got = try session.run(["x": x]), expected = try reference.run(["x": x])
        for (output, step) in zip(unfused.outputs.map(\.name), [Float(0.04), Float(1) / 256]) {
            let g = got[output]!.scalars(as: Float.self), e = expected[output]!.scalars(as: Float.self)
            #expect(g.count == e.count && !g.isEmpty)
            let off = zip(g, e).filter { $0 != $1 }
            #expect(off.allSatisfy { abs($0 - $1) <= step * 1.001 }, "\(output): \(off.prefix(5))")
            #expect(off.count * 20 <= g.count, "\(output): \(off.count) of \(g.count) differ")
        }
    }
}
