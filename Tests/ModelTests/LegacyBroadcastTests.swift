import Model
import Testing

/// Opset 6's `broadcast`/`axis` attributes become today's numpy broadcasting.
@Suite struct LegacyBroadcastTests {
    func model(axis: Int?, b: [Int]) -> [UInt8] {
        var attrs: [(String, ONNX.Attr)] = [("broadcast", .int(1))]
        if let axis { attrs.append(("axis", .int(axis))) }
        let g = ONNX.graph(nodes: [ONNX.node("Add", ["a", "b"], ["y"], name: "add", attrs)],
                           inputs: [ONNX.valueInfo("a", 1, [.value(2), .value(3), .value(4)]),
                                    ONNX.valueInfo("b", 1, b.map { .value($0) })],
                           outputs: [ONNX.valueInfo("y", 1, nil)])
        return ONNX.model(g, opset: 6)
    }

    @Test func anAxisInTheMiddleBecomesAnUnsqueezeOfB() throws {
        let graph = try load(model(axis: 1, b: [3])).graph
        #expect(graph.nodes.map(\.opType) == ["Unsqueeze", "Add"])
        #expect(graph.valueTypes["y"]?.shape == [2, 3, 4])
        #expect(graph.nodes[1].attributes["broadcast"] == nil && graph.nodes[1].attributes["axis"] == nil)
    }

    @Test func trailingAlignmentNeedsNoRewrite() throws {
        let graph = try load(model(axis: nil, b: [4])).graph
        #expect(graph.nodes.map(\.opType) == ["Add"])
        #expect(graph.valueTypes["y"]?.shape == [2, 3, 4])
    }

    @Test func anAxisThatDoesNotFitIsNamed() {
        guard case .invalidNode(let node, _, let reason)? = loadError(model(axis: 2, b: [3, 4])) else {
            Issue.record("an impossible axis was accepted"); return
        }
        #expect(node == "add" && reason.contains("axis 2"))
    }
}
