import Model
import Testing

@Suite struct ReluFusionTests {
    static let inits: [String: Tensor] = ["w": Tensor(floats: [Float](repeating: 0.5, count: 2 * 2 * 9), shape: [2, 2, 3, 3])]

    @Test func aReluAfterAConvBecomesPartOfIt() throws {
        var g = graph([
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["y"]),
        ], inputs: [("x", [1, 2, 4, 4])], outputs: ["y"], initializers: Self.inits)
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["Conv"])
        #expect(g.nodes[0].name == "conv" && g.nodes[0].outputs == ["y"])
        #expect(g.nodes[0].attributes[ReluFusion.attribute] != nil)
        #expect(g.valueTypes["y"] == TensorType(dtype: .float32, shape: [1, 2, 4, 4]))
    }

    @Test func aConvWhoseOutputIsAlsoUsedElsewhereKeepsItsRelu() throws {
        var g = graph([
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["r"]),
            Node(name: "add", opType: "Add", inputs: ["r", "c"], outputs: ["y"]),
        ], inputs: [("x", [1, 2, 4, 4])], outputs: ["y"], initializers: Self.inits)
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["Conv", "Relu", "Add"])
        #expect(g.nodes[0].attributes[ReluFusion.attribute] == nil)
    }
}
