import Model
import Testing

/// Plain scalar NCHW convolution (stride 1, symmetric padding), the test's oracle.
func referenceConv(x: [Float], xShape: [Int], w: [Float], wShape: [Int], bias: [Float], pad: Int) -> [Float] {
    let (c, h, wd) = (xShape[1], xShape[2], xShape[3])
    let (m, k) = (wShape[0], wShape[2])
    let oh = h + 2 * pad - k + 1, ow = wd + 2 * pad - k + 1
    var out = [Float](repeating: 0, count: m * oh * ow)
    for o in 0..<m { for y in 0..<oh { for xx in 0..<ow {
        var acc = bias[o]
        for ci in 0..<c { for ky in 0..<k { for kx in 0..<k {
            let iy = y + ky - pad, ix = xx + kx - pad
            guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
            acc += x[(ci * h + iy) * wd + ix] * w[((o * c + ci) * k + ky) * k + kx]
        } } }
        out[(o * oh + y) * ow + xx] = acc
    } } }
    return out
}

func graph(_ nodes: [Node], inputs: [(String, [Int])], outputs: [String], initializers: [String: Tensor], opset: Int = 17) -> Graph {
    Graph(name: "t", nodes: nodes, initializers: initializers,
          inputs: inputs.map { ValueInfo(name: $0.0, declaredShape: $0.1.map { .fixed($0) }, type: TensorType(dtype: .float32, shape: $0.1)) },
          outputs: outputs.map { ValueInfo(name: $0, declaredShape: [], type: TensorType(dtype: .float32, shape: [])) },
          opsets: ["": opset])
}

@Suite struct GraphPassesTests {
    @Test func convBatchNormFoldingMatchesReference() throws {
        var rng = SplitMix(seed: 7)
        func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float(rng.next() % 2001) / 1000 - 1 } }
        let xShape = [1, 2, 5, 5], wShape = [3, 2, 3, 3]
        let x = random(50), w = random(54), b = random(3)
        let gamma = random(3), beta = random(3), mean = random(3), variance = random(3).map { abs($0) + 0.1 }
        let eps: Float = 1e-3
        let inits: [String: Tensor] = [
            "w": Tensor(floats: w, shape: wShape), "b": Tensor(floats: b, shape: [3]),
            "g": Tensor(floats: gamma, shape: [3]), "be": Tensor(floats: beta, shape: [3]),
            "m": Tensor(floats: mean, shape: [3]), "v": Tensor(floats: variance, shape: [3]),
        ]
        var g = graph([
            Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "bn", opType: "BatchNormalization", inputs: ["c", "g", "be", "m", "v"], outputs: ["y"], attributes: ["epsilon": .float(eps)]),
        ], inputs: [("x", xShape)], outputs: ["y"], initializers: inits)
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["Conv"])
        let conv = g.nodes[0]
        #expect(conv.outputs == ["y"])
        let fw = try #require(g.initializers[conv.inputs[1]]).scalars(as: Float.self)
        let fb = try #require(g.initializers[conv.inputs[2]]).scalars(as: Float.self)
        let folded = referenceConv(x: x, xShape: xShape, w: fw, wShape: wShape, bias: fb, pad: 1)
        let plain = referenceConv(x: x, xShape: xShape, w: w, wShape: wShape, bias: b, pad: 1)
        let plane = plain.count / 3
        for i in plain.indices {
            let o = i / plane
            let expected = (plain[i] - mean[o]) / (variance[o] + eps).squareRoot() * gamma[o] + beta[o]
            #expect(abs(folded[i] - expected) <= 1e-4 * max(1, abs(expected)), "element \(i)")
        }
        #expect(g.valueTypes["y"] == TensorType(dtype: .float32, shape: [1, 3, 5, 5]))
        #expect(g.initializers["w"] == nil, "the unfolded weight is dead and dropped")
    }

    @Test func foldsShapeGatherUnsqueezeConcatReshapeChain() throws {
        var g = graph([
            Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["s"]),
            Node(name: "gather", opType: "Gather", inputs: ["s", "zero"], outputs: ["n"], attributes: ["axis": .int(0)]),
            Node(name: "unsq", opType: "Unsqueeze", inputs: ["n", "axes"], outputs: ["n1"]),
            Node(name: "concat", opType: "Concat", inputs: ["n1", "minus1"], outputs: ["target"], attributes: ["axis": .int(0)]),
            Node(name: "reshape", opType: "Reshape", inputs: ["x", "target"], outputs: ["y"]),
        ], inputs: [("x", [2, 3, 4])], outputs: ["y"], initializers: [
            "zero": Tensor(dtype: .int64, shape: [], values: [Int64(0)]), "axes": i64([0]), "minus1": i64([-1]),
        ])
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["Reshape"])
        #expect(g.initializers[g.nodes[0].inputs[1]]?.integers() == [2, -1])
        #expect(g.valueTypes["y"] == TensorType(dtype: .float32, shape: [2, 12]))
    }

    @Test func removesIdentityDropoutAndDeadNodes() throws {
        var g = graph([
            Node(name: "id", opType: "Identity", inputs: ["x"], outputs: ["a"]),
            Node(name: "drop", opType: "Dropout", inputs: ["a"], outputs: ["b"]),
            Node(name: "relu", opType: "Relu", inputs: ["b"], outputs: ["y"]),
            Node(name: "dead", opType: "Neg", inputs: ["x"], outputs: ["unused"]),
        ], inputs: [("x", [4])], outputs: ["y"], initializers: [:])
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.name) == ["relu"])
        #expect(g.nodes[0].inputs == ["x"])
    }

    struct NegEvaluator: ConstantEvaluator {
        func evaluate(node: Node, inputs: [Tensor?], opset: Int) throws -> [Tensor]? {
            guard node.opType == "Neg", let x = inputs.first ?? nil else { return nil }
            return [Tensor(floats: x.scalars(as: Float.self).map { -$0 }, shape: x.shape)]
        }
    }

    @Test func usesTheRuntimeEvaluatorForOtherOps() throws {
        let make = {
            graph([
                Node(name: "neg", opType: "Neg", inputs: ["c"], outputs: ["n"]),
                Node(name: "add", opType: "Add", inputs: ["x", "n"], outputs: ["y"]),
            ], inputs: [("x", [2])], outputs: ["y"], initializers: ["c": Tensor(floats: [1, 2], shape: [2])])
        }
        var without = make()
        try GraphPasses.optimize(&without, evaluator: nil)
        #expect(without.nodes.map(\.opType) == ["Neg", "Add"])
        var with = make()
        try GraphPasses.optimize(&with, evaluator: NegEvaluator())
        #expect(with.nodes.map(\.opType) == ["Add"])
        #expect(with.initializers["n"]?.scalars(as: Float.self) == [-1, -2])
    }

    @Test func inspectionCountsParametersAndSparsity() throws {
        let g = graph([Node(name: "mm", opType: "MatMul", inputs: ["x", "w"], outputs: ["y"])], inputs: [("x", [1, 4])], outputs: ["y"],
                      initializers: ["w": Tensor(floats: [0, 1, 0, 2, -0.0, 3, 0, 4], shape: [4, 2]),
                                     "q": Tensor(dtype: .int8, shape: [4], values: [Int8(0), 1, 0, 0])])
        let i = ModelInspection(graph: g)
        #expect(i.operatorHistogram == ["MatMul": 1])
        #expect(i.parameterCount == 12)
        #expect(i.parametersByDType[.float32] == .init(count: 8, bytes: 32))
        #expect(i.parametersByDType[.int8] == .init(count: 4, bytes: 4))
        #expect(i.sparsity.first { $0.name == "w" }?.fraction == 0.5)
        #expect(i.sparsity.first { $0.name == "q" }?.fraction == 0.75)
        #expect(abs(i.overallSparsity - 7.0 / 12) < 1e-12)
    }
}
