import Model
import Testing

@Suite struct ResidualAddFusionTests {
    static let inits: [String: Tensor] = [
        "w": Tensor(floats: [Float](repeating: 0.5, count: 2 * 2 * 9), shape: [2, 2, 3, 3]),
        "v": Tensor(floats: [Float](repeating: 0.25, count: 2 * 2 * 9), shape: [2, 2, 3, 3]),
        "channel": Tensor(floats: [1, 2], shape: [1, 2, 1, 1]),
    ]
    static let pads: [String: Attribute] = ["pads": .ints([1, 1, 1, 1])]

    @Test func aSumAfterAConvAndTheReluAfterItBecomePartOfTheConv() throws {
        var g = graph([
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: Self.pads),
            Node(name: "sum", opType: "Sum", inputs: ["c", "x"], outputs: ["s"]),
            Node(name: "relu", opType: "Relu", inputs: ["s"], outputs: ["y"]),
        ], inputs: [("x", [1, 2, 4, 4])], outputs: ["y"], initializers: Self.inits)
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["Conv"])
        let conv = g.nodes[0]
        #expect(conv.inputs == ["x", "w", "", "x"], "no bias: input 2 stays empty, the residual is input 3")
        #expect(conv.outputs == ["y"])
        #expect(conv.attributes[ResidualAddFusion.attribute] != nil && conv.attributes[ReluFusion.attribute] != nil)
    }

    @Test func anFP16SumAndReluFuseAsTheFP32OnesDo() throws {
        let half = [Float16](repeating: 0.5, count: 2 * 2 * 9).map(\.bitPattern)
        let type = TensorType(dtype: .float16, shape: [1, 2, 4, 4])
        var g = Graph(name: "t", nodes: [
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: Self.pads),
            Node(name: "sum", opType: "Sum", inputs: ["c", "x"], outputs: ["s"]),
            Node(name: "relu", opType: "Relu", inputs: ["s"], outputs: ["y"]),
        ], initializers: ["w": Tensor(dtype: .float16, shape: [2, 2, 3, 3], values: half)],
        inputs: [ValueInfo(name: "x", declaredShape: [1, 2, 4, 4].map { .fixed($0) }, type: type)],
        outputs: [ValueInfo(name: "y", declaredShape: [], type: TensorType(dtype: .float16, shape: []))], opsets: ["": 17])
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.opType) == ["Conv"])
        #expect(g.nodes.first?.inputs == ["x", "w", "", "x"])
        #expect(g.valueTypes["y"]?.dtype == .float16)
        #expect(g.nodes.first?.attributes[ResidualAddFusion.attribute] != nil && g.nodes.first?.attributes[ReluFusion.attribute] != nil)
    }

    @Test func theLaterOfTwoConvsTakesTheAddSoItsOtherOperandIsReady() throws {
        var g = graph([
            Node(name: "first", opType: "Conv", inputs: ["x", "w"], outputs: ["a"], attributes: Self.pads),
            Node(name: "second", opType: "Conv", inputs: ["x", "v"], outputs: ["b"], attributes: Self.pads),
            Node(name: "add", opType: "Add", inputs: ["b", "a"], outputs: ["y"]),
        ], inputs: [("x", [1, 2, 4, 4])], outputs: ["y"], initializers: Self.inits)
        try GraphPasses.optimize(&g, evaluator: nil)
        #expect(g.nodes.map(\.name) == ["first", "second"])
        #expect(g.nodes[1].inputs.last == "a" && g.nodes[1].outputs == ["y"])
        #expect(g.nodes[0].attributes[ResidualAddFusion.attribute] == nil)
    }

    @Test func aBroadcastOperandOrASharedConvOutputStaysAnAdd() throws {
        var broadcast = graph([
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: Self.pads),
            Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["r"]),
            Node(name: "mul", opType: "Mul", inputs: ["r", "channel"], outputs: ["m"]),
            Node(name: "add", opType: "Add", inputs: ["c", "q"], outputs: ["y"]),
        ], inputs: [("x", [1, 2, 4, 4]), ("q", [1, 2, 1, 4])], outputs: ["y", "m"], initializers: Self.inits)
        try GraphPasses.optimize(&broadcast, evaluator: nil)
        #expect(broadcast.nodes.map(\.opType).contains("Add"), "q broadcasts over rows, so the Conv cannot add it tile by tile")

        var shared = graph([
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: Self.pads),
            Node(name: "add", opType: "Add", inputs: ["c", "x"], outputs: ["s"]),
            Node(name: "mul", opType: "Mul", inputs: ["s", "c"], outputs: ["y"]),
        ], inputs: [("x", [1, 2, 4, 4])], outputs: ["y"], initializers: Self.inits)
        try GraphPasses.optimize(&shared, evaluator: nil)
        #expect(shared.nodes.map(\.opType) == ["Conv", "Add", "Mul"])
    }
}
