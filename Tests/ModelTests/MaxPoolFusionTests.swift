import Model
import Testing

@Suite struct MaxPoolFusionTests {
    static func weights(_ inChannels: Int) -> [String: Tensor] {
        ["w": Tensor(floats: [Float](repeating: 0.25, count: 8 * inChannels * 9), shape: [8, inChannels, 3, 3])]
    }

    static func chain(inChannels: Int = 3, pool: [String: Attribute] = ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]),
                                                                        "pads": .ints([1, 1, 1, 1])],
                      poolOutputs: [String] = ["y"], extra: [Node] = []) -> Graph {
        graph([
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]),
            Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["r"]),
            Node(name: "pool", opType: "MaxPool", inputs: ["r"], outputs: poolOutputs, attributes: pool),
        ] + extra, inputs: [("x", [1, inChannels, 32, 40])], outputs: ["y"] + extra.flatMap(\.outputs), initializers: weights(inChannels))
    }

    @Test func aFirstConvTakesItsReluAndMaxPool() throws {
        var g = Self.chain()
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["Conv"])
        #expect(g.nodes[0].name == "conv" && g.nodes[0].outputs == ["y"])
        #expect(g.nodes[0].attributes[ReluFusion.attribute] != nil)
        #expect(FusedMaxPoolWindow(g.nodes[0].attributes[MaxPoolFusion.attribute])
                == FusedMaxPoolWindow(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1))
        // Conv 32×40 → 16×20, pool → 8×10.
        #expect(g.valueTypes["y"] == TensorType(dtype: .float32, shape: [1, 8, 8, 10]))
    }

    @Test func aDeepConvKeepsItsPool() throws {
        var g = Self.chain(inChannels: 16)
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["Conv", "MaxPool"])
        #expect(g.nodes[0].attributes[MaxPoolFusion.attribute] == nil)
    }

    @Test func poolsTheFusionCannotTakeStayNodes() throws {
        let base: [String: Attribute] = ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2])]
        let cases: [(String, Graph)] = [
            ("indices", Self.chain(pool: base, poolOutputs: ["y", "i"])),
            ("dilated", Self.chain(pool: base.merging(["dilations": .ints([2, 2])]) { $1 })),
            ("SAME", Self.chain(pool: base.merging(["auto_pad": .string("SAME_UPPER")]) { $1 })),
            ("pad as wide as the window", Self.chain(pool: base.merging(["pads": .ints([3, 0, 0, 0])]) { $1 })),
        ]
        for (name, g) in cases {
            var g = g
            try GraphPasses.optimize(&g, evaluator: nil)
            #expect(g.nodes.contains { $0.opType == "MaxPool" }, "\(name): the MaxPool must stay")
        }
    }

    @Test func aConvWhoseOutputIsReadElsewhereKeepsItsPool() throws {
        var g = graph([
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "pool", opType: "MaxPool", inputs: ["c"], outputs: ["y"], attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]),
            Node(name: "neg", opType: "Neg", inputs: ["c"], outputs: ["z"]),
        ], inputs: [("x", [1, 3, 8, 8])], outputs: ["y", "z"], initializers: Self.weights(3))
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["Conv", "MaxPool", "Neg"])
    }
}
