import Model
import Testing

@Suite struct GlobalAveragePoolFusionTests {
    static let weights = ["w": Tensor(floats: [Float](repeating: 0.5, count: 8 * 4), shape: [8, 4, 1, 1])]

    static func chain(extra: [Node] = [], outputs: [String] = ["y"], initializers: [String: Tensor] = weights,
                      inputs: [(String, [Int])] = [("x", [1, 4, 13, 13])], pool: String = "GlobalAveragePool",
                      poolAttributes: [String: Attribute] = [:]) -> Graph {
        graph([
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"]),
            Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["r"]),
            Node(name: "pool", opType: pool, inputs: ["r"], outputs: ["y"], attributes: poolAttributes),
        ] + extra, inputs: inputs, outputs: outputs, initializers: initializers)
    }

    @Test func aConvTakesItsReluAndGlobalAveragePool() throws {
        var g = Self.chain()
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["Conv"])
        #expect(g.nodes[0].name == "conv" && g.nodes[0].outputs == ["y"])
        #expect(g.nodes[0].attributes[ReluFusion.attribute] != nil)
        #expect(g.nodes[0].attributes[GlobalAveragePoolFusion.attribute] != nil)
        #expect(g.valueTypes["y"] == TensorType(dtype: .float32, shape: [1, 8, 1, 1]))
    }

    @Test func anAveragePoolOverTheWholePlaneIsFusedToo() throws {
        var g = Self.chain(pool: "AveragePool", poolAttributes: ["kernel_shape": .ints([13, 13]), "strides": .ints([1, 1])])
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["Conv"])
        #expect(g.valueTypes["y"] == TensorType(dtype: .float32, shape: [1, 8, 1, 1]))
    }

    @Test func poolsTheFusionCannotTakeStayNodes() throws {
        let cases: [(String, Graph)] = [
            ("the Relu's output read elsewhere", Self.chain(extra: [Node(name: "neg", opType: "Neg", inputs: ["r"], outputs: ["z"])],
                                                          outputs: ["y", "z"])),
            ("the Relu's output a graph output", Self.chain(outputs: ["y", "r"])),
            ("weights computed at run time", Self.chain(initializers: [:], inputs: [("x", [1, 4, 13, 13]), ("w", [8, 4, 1, 1])])),
            ("a GlobalMaxPool", Self.chain(pool: "GlobalMaxPool")),
            ("an AveragePool over part of the plane", Self.chain(pool: "AveragePool", poolAttributes: ["kernel_shape": .ints([3, 3])])),
            ("a padded AveragePool", Self.chain(pool: "AveragePool", poolAttributes: ["kernel_shape": .ints([13, 13]),
                                                                                     "pads": .ints([1, 1, 1, 1])])),
        ]
        for (name, g) in cases {
            var g = g
            try GraphPasses.optimize(&g, evaluator: nil)
            #expect(g.nodes.contains { $0.opType.hasSuffix("Pool") }, "\(name): the pool must stay")
            #expect(g.nodes.allSatisfy { $0.attributes[GlobalAveragePoolFusion.attribute] == nil }, "\(name)")
        }
    }
}
