import Model
import Testing

@Suite struct ChannelAffineFoldingTests {
    static func random(_ n: Int, _ rng: inout SplitMix) -> [Float] { (0..<n).map { _ in Float(rng.next() % 2001) / 1000 - 1 } }

    @Test func convThenPerChannelMulAddAndReluBecomeOneConv() throws {
        var rng = SplitMix(seed: 11)
        let xShape = [1, 2, 5, 5], wShape = [3, 2, 3, 3]
        let x = Self.random(50, &rng), w = Self.random(54, &rng), b = Self.random(3, &rng)
        let m = Self.random(3, &rng), a = Self.random(3, &rng)
        var g = graph([
            Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "mul", opType: "Mul", inputs: ["c", "m"], outputs: ["s"]),
            Node(name: "add", opType: "Add", inputs: ["a", "s"], outputs: ["t"]),
            Node(name: "relu", opType: "Relu", inputs: ["t"], outputs: ["y"]),
        ], inputs: [("x", xShape)], outputs: ["y"], initializers: [
            "w": Tensor(floats: w, shape: wShape), "b": Tensor(floats: b, shape: [3]),
            "m": Tensor(floats: m, shape: [3, 1, 1]), "a": Tensor(floats: a, shape: [1, 3, 1, 1]),
        ])
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["Conv"])
        let conv = g.nodes[0]
        #expect(conv.outputs == ["y"] && conv.attributes[ReluFusion.attribute] != nil)
        let fw = try #require(g.initializers[conv.inputs[1]]).scalars(as: Float.self)
        let fb = try #require(g.initializers[conv.inputs[2]]).scalars(as: Float.self)
        let folded = referenceConv(x: x, xShape: xShape, w: fw, wShape: wShape, bias: fb, pad: 1)
        let plain = referenceConv(x: x, xShape: xShape, w: w, wShape: wShape, bias: b, pad: 1)
        let plane = plain.count / 3
        for i in plain.indices {
            let expected = plain[i] * m[i / plane] + a[i / plane]
            #expect(abs(folded[i] - expected) <= 1e-5 * max(1, abs(expected)), "element \(i)")
        }
        #expect(g.initializers["m"] == nil && g.initializers["a"] == nil, "the folded constants are dead and dropped")
    }

    @Test func batchNormThenMulAddAndReluBecomeOneBatchNorm() throws {
        var rng = SplitMix(seed: 12)
        let gamma = Self.random(4, &rng), beta = Self.random(4, &rng), m = Self.random(4, &rng), a = Self.random(4, &rng)
        var g = graph([
            // The BatchNormalization reads a graph input, so no Conv can absorb it.
            Node(name: "bn", opType: "BatchNormalization", inputs: ["x", "g", "be", "mean", "var"], outputs: ["n"]),
            Node(name: "mul", opType: "Mul", inputs: ["n", "m"], outputs: ["s"]),
            Node(name: "add", opType: "Add", inputs: ["s", "a"], outputs: ["t"]),
            Node(name: "relu", opType: "Relu", inputs: ["t"], outputs: ["y"]),
        ], inputs: [("x", [2, 4, 3, 3])], outputs: ["y"], initializers: [
            "g": Tensor(floats: gamma, shape: [4]), "be": Tensor(floats: beta, shape: [4]),
            "mean": Tensor(floats: [0, 0, 0, 0], shape: [4]), "var": Tensor(floats: [1, 1, 1, 1], shape: [4]),
            "m": Tensor(floats: m, shape: [4, 1, 1]), "a": Tensor(floats: a, shape: [4, 1, 1]),
        ])
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["BatchNormalization"])
        let bn = g.nodes[0]
        #expect(bn.outputs == ["y"] && bn.attributes[ReluFusion.attribute] != nil)
        let scale = try #require(g.initializers[bn.inputs[1]]).scalars(as: Float.self)
        let shift = try #require(g.initializers[bn.inputs[2]]).scalars(as: Float.self)
        for c in 0..<4 {
            #expect(abs(scale[c] - gamma[c] * m[c]) <= 1e-6)
            #expect(abs(shift[c] - (beta[c] * m[c] + a[c])) <= 1e-6)
        }
        #expect(g.initializers["g"] == nil, "the replaced scale is dead and dropped")
    }

    @Test func aConstantThatVariesOverSpaceOrIsAlsoReadElsewhereStaysANode() throws {
        let inits: [String: Tensor] = [
            "w": Tensor(floats: [Float](repeating: 0.5, count: 2 * 2 * 9), shape: [2, 2, 3, 3]),
            "spatial": Tensor(floats: [Float](repeating: 2, count: 16), shape: [1, 1, 4, 4]),
            "m": Tensor(floats: [2, 3], shape: [2, 1, 1]),
        ]
        var g = graph([
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "mul", opType: "Mul", inputs: ["c", "spatial"], outputs: ["y"]),
        ], inputs: [("x", [1, 2, 4, 4])], outputs: ["y"], initializers: inits)
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["Conv", "Mul"])

        var shared = graph([
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "mul", opType: "Mul", inputs: ["c", "m"], outputs: ["s"]),
            Node(name: "add", opType: "Add", inputs: ["s", "c"], outputs: ["y"]),
        ], inputs: [("x", [1, 2, 4, 4])], outputs: ["y"], initializers: inits)
        try GraphPasses.optimize(&shared, evaluator: nil)
        #expect(shared.nodes.map(\.opType) == ["Conv", "Mul", "Add"], "the Conv output is read twice, so nothing folds")
        #expect(shared.nodes[0].inputs == ["x", "w"])
    }
}
