import Model
import Testing

/// Builds QDQ graphs node by node: every helper returns the name of the value it adds.
struct QDQGraphBuilder {
    var nodes: [Node] = []
    var initializers: [String: Tensor] = [:]
    var count = 0

    mutating func fresh(_ base: String) -> String { count += 1; return "\(base)\(count)" }

    mutating func parameters(scale: [Float], zeroPoint: [Int], dtype: DType) -> (String, String) {
        let s = fresh("s"), z = fresh("z")
        let shape = scale.count == 1 ? [] : [scale.count]
        initializers[s] = Tensor(dtype: .float32, shape: shape, values: scale)
        initializers[z] = dtype == .int8 ? Tensor(dtype: .int8, shape: shape, values: zeroPoint.map { Int8($0) })
                                         : Tensor(dtype: .uint8, shape: shape, values: zeroPoint.map { UInt8($0) })
        return (s, z)
    }

    mutating func q(_ x: String, _ scale: Float, _ zp: Int, _ dtype: DType = .uint8) -> String {
        let (s, z) = parameters(scale: [scale], zeroPoint: [zp], dtype: dtype)
        let y = fresh("q")
        nodes.append(Node(name: y, opType: "QuantizeLinear", inputs: [x, s, z], outputs: [y]))
        return y
    }

    mutating func dq(_ x: String, _ scale: [Float], _ zp: [Int], _ dtype: DType = .uint8, axis: Int? = nil) -> String {
        let (s, z) = parameters(scale: scale, zeroPoint: zp, dtype: dtype)
        let y = fresh("dq")
        nodes.append(Node(name: y, opType: "DequantizeLinear", inputs: [x, s, z], outputs: [y],
                          attributes: axis.map { ["axis": .int($0)] } ?? [:]))
        return y
    }

    /// Q then DQ with the same parameters: the fake-quantization a QDQ model puts on every activation.
    mutating func qdq(_ x: String, _ scale: Float, _ zp: Int, _ dtype: DType = .uint8) -> String {
        dq(q(x, scale, zp, dtype), [scale], [zp], dtype)
    }

    mutating func op(_ type: String, _ inputs: [String], _ attributes: [String: Attribute] = [:]) -> String {
        let y = fresh(type.lowercased())
        nodes.append(Node(name: y, opType: type, inputs: inputs, outputs: [y], attributes: attributes))
        return y
    }

    mutating func constant(_ t: Tensor) -> String { let n = fresh("c"); initializers[n] = t; return n }

    func graph(input: String, shape: [Int], output: String, opset: Int = 17) throws -> Graph {
        var g = Graph(name: "qdq", nodes: nodes, initializers: initializers,
                      inputs: [ValueInfo(name: input, declaredShape: shape.map { .fixed($0) }, type: TensorType(dtype: .float32, shape: shape))],
                      outputs: [ValueInfo(name: output, declaredShape: [], type: TensorType(dtype: .float32, shape: []))],
                      opsets: ["": opset])
        try ShapeInference.infer(&g)
        return g
    }
}

@Suite struct QDQFusionTests {
    /// x → Q → DQ → Conv(DQ w, DQ b) → Q → DQ → Relu → Q → DQ → MaxPool → Q → DQ → Add(·, DQ c) → Q → DQ → Mul → Q →
    /// DQ → Concat → Q → DQ → AveragePool → Q → DQ → GlobalAveragePool → Q → DQ → Reshape → Q → DQ → MatMul(DQ w2) → Q → DQ → Gemm(DQ w3) → Q → DQ → y
    static func chain() throws -> (Graph, QDQGraphBuilder) {
        var b = QDQGraphBuilder()
        let x = b.qdq("x", 0.02, 128)
        let w = b.dq(b.constant(Tensor(dtype: .int8, shape: [4, 3, 3, 3], values: (0..<108).map { Int8($0 % 17 - 8) })),
                     [0.01, 0.02, 0.015, 0.03], [0, 0, 0, 0], .int8, axis: 0)
        let bias = b.dq(b.constant(Tensor(dtype: .int32, shape: [4], values: [Int32(100), -50, 0, 7])), [0.0002, 0.0004, 0.0003, 0.0006], [0, 0, 0, 0], .int32)
        let conv = b.qdq(b.op("Conv", [x, w, bias], ["pads": .ints([1, 1, 1, 1])]), 0.05, 120)
        let relu = b.qdq(b.op("Relu", [conv]), 0.05, 120)
        let pool = b.qdq(b.op("MaxPool", [relu], ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]), 0.05, 120)
        let c = b.dq(b.constant(Tensor(dtype: .uint8, shape: [1, 4, 1, 1], values: [UInt8(10), 200, 90, 128])), [0.01], [100])
        let add = b.qdq(b.op("Add", [pool, c]), 0.06, 110)
        let mul = b.qdq(b.op("Mul", [add, add]), 0.04, 5)
        let cat = b.qdq(b.op("Concat", [mul, add], ["axis": .int(1)]), 0.06, 100)
        let avg = b.qdq(b.op("AveragePool", [cat], ["kernel_shape": .ints([2, 2]), "pads": .ints([1, 1, 0, 0])]), 0.05, 100)
        let gap = b.qdq(b.op("GlobalAveragePool", [avg]), 0.03, 90)
        let flat = b.qdq(b.op("Reshape", [gap, b.constant(Tensor(dtype: .int64, shape: [2], values: [Int64(1), 8]))]), 0.03, 90)
        let w2 = b.dq(b.constant(Tensor(dtype: .int8, shape: [8, 6], values: (0..<48).map { Int8($0 % 11 - 5) })), [0.05], [0], .int8)
        let mm = b.qdq(b.op("MatMul", [flat, w2]), 0.04, 128)
        let w3 = b.dq(b.constant(Tensor(dtype: .int8, shape: [3, 6], values: (0..<18).map { Int8($0 % 7 - 3) })), [0.1, 0.05, 0.2], [0, 0, 0], .int8, axis: 0)
        let gemm = b.op("Gemm", [mm, w3, b.constant(Tensor(floats: [0.1, -0.2, 0.304], shape: [3]))], ["transB": .int(1)])
        let logits = b.qdq(gemm, 0.05, 128)
        let y = b.qdq(b.op("Softmax", [logits]), 1.0 / 256, 0)
        return (try b.graph(input: "x", shape: [1, 3, 8, 8], output: y), b)
    }

    @Test func fusesEveryPatternIntoIntegerOperators() throws {
        var (g, _) = try Self.chain()
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["QuantizeLinear", "QLinearConv", "Clip", "MaxPool", "QLinearAdd", "QLinearMul", "QLinearConcat",
                                          "QLinearAveragePool", "QLinearGlobalAveragePool", "Reshape", "QLinearMatMul", "QGemm", "QLinearSoftmax", "DequantizeLinear"])
        let conv = try #require(g.nodes.first { $0.opType == "QLinearConv" })
        #expect(conv.inputs.count == 9)
        let bias = try #require(g.initializers[conv.inputs[8]])
        // The DQ bias scale equals x_scale · w_scale per channel: the int32 values carry over.
        #expect(bias.dtype == .int32 && bias.scalars(as: Int32.self) == [100, -50, 0, 7])
        let gemm = try #require(g.nodes.first { $0.opType == "QGemm" })
        #expect(gemm.domain == "com.microsoft" && g.opsets["com.microsoft"] != nil)
        let c = try #require(g.initializers[gemm.inputs[6]])
        // beta/alpha · C / (a_scale · b_scale[n]) with a_scale 0.04.
        #expect(c.scalars(as: Int32.self) == [25, -100, 38])
        #expect(g.valueTypes[g.nodes[10].outputs[0]]?.dtype == .uint8)
        let softmax = try #require(g.nodes.first { $0.opType == "QLinearSoftmax" })
        #expect(softmax.domain == "com.microsoft")
        if case .int(let opset)? = softmax.attributes["opset"], case .int(let axis)? = softmax.attributes["axis"] {
            #expect(opset == 17 && axis == -1)
        } else {
            Issue.record("QLinearSoftmax lacks its opset/axis attributes")
        }
    }

    @Test func absorbsAReluBetweenTheOpAndItsQuantize() throws {
        var b = QDQGraphBuilder()
        let x = b.qdq("x", 0.02, 128)
        let w = b.dq(b.constant(Tensor(dtype: .int8, shape: [2, 3, 1, 1], values: [Int8(1), -2, 3, 4, -5, 6])), [0.1], [0], .int8)
        let conv = b.op("Conv", [x, w])
        let relu = b.op("Relu", [conv])
        let y = b.dq(b.q(relu, 0.05, 3), [0.05], [3])
        var g = try b.graph(input: "x", shape: [1, 3, 2, 2], output: y)
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["QuantizeLinear", "QLinearConv", "Clip", "DequantizeLinear"])
        let clip = g.nodes[2]
        #expect(clip.inputs[0] == g.nodes[1].outputs[0] && g.initializers[clip.inputs[1]]?.integers() == [3])
        #expect(g.valueTypes[clip.outputs[0]]?.dtype == .uint8)
    }

    @Test func leavesSharedOrRuntimeParametersAlone() throws {
        var b = QDQGraphBuilder()
        let x = b.qdq("x", 0.02, 128)
        let relu = b.op("Relu", [x])
        let q = b.q(relu, 0.02, 128)
        // The float Relu output also feeds a second consumer: no fusion.
        let other = b.op("Neg", [relu])
        let sum = b.op("Add", [b.dq(q, [0.02], [128]), other])
        var g = try b.graph(input: "x", shape: [4], output: sum)
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType).contains("Relu"))

        // Different parameters before and after a Relu: not a plain clamp.
        var b2 = QDQGraphBuilder()
        let x2 = b2.qdq("x", 0.02, 128)
        let y2 = b2.qdq(b2.op("Relu", [x2]), 0.03, 128)
        var g2 = try b2.graph(input: "x", shape: [4], output: y2)
        try GraphPasses.optimize(&g2, evaluator: nil)
        #expect(g2.nodes.map(\.opType) == ["QuantizeLinear", "DequantizeLinear", "Relu", "QuantizeLinear", "DequantizeLinear"])
    }
}
