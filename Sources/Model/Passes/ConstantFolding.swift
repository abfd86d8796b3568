/// Replaces nodes whose inputs are all constants by initializers holding their outputs.
enum ConstantFolding {
    /// Quantize/dequantize stay nodes so that Q/DQ fusion still sees them, and
    /// randomness must not be frozen.
    static let neverFolded: Set<String> = [
        "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "RandomNormal", "RandomUniform",
        "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli",
    ]

    static func run(_ graph: inout Graph, evaluator: ConstantEvaluator?, maxBytes: Int) throws(ModelError) {
        var kept: [Node] = []
        let graphInputs = Set(graph.inputs.map(\.name))
        for node in graph.nodes {
            guard let outputs = try fold(node, graph: graph, graphInputs: graphInputs, evaluator: evaluator, maxBytes: maxBytes) else {
                kept.append(node); continue
            }
            for (name, t) in zip(node.outputs, outputs) where !name.isEmpty { graph.initializers[name] = t }
        }
        graph.nodes = kept
    }

    private static func fold(_ node: Node, graph: Graph, graphInputs: Set<String>, evaluator: ConstantEvaluator?, maxBytes: Int) throws(ModelError) -> [Tensor]? {
        guard !neverFolded.contains(node.opType) else { return nil }
        let inputs: [Tensor?] = node.inputs.map { $0.isEmpty ? nil : graph.initializers[$0] }
        // Shape and Size only need the (static) input type, not its values.
        let typeOnly = node.opType == "Shape" || node.opType == "Size"
        guard typeOnly || zip(node.inputs, inputs).allSatisfy({ $0.0.isEmpty || $0.1 != nil }) else { return nil }
        guard typeOnly || !node.inputs.allSatisfy(\.isEmpty) || node.opType == "Constant" || node.opType == "ConstantOfShape" else { return nil }
        var outputTypes: [TensorType] = []
        for o in node.outputs {
            guard let t = graph.valueTypes[o] else { return nil }
            guard t.byteCount <= maxBytes else { return nil }
            outputTypes.append(t)
        }
        // Casting big float weights (fp16 → fp32) would erase the compression being profiled.
        if node.opType == "Cast", let x = inputs.first ?? nil, x.dtype.isFloatingPoint, x.elementCount > 4096 { return nil }
        let inputTypes = node.inputs.map { graph.valueTypes[$0] }
        let opset = node.domain.isEmpty ? graph.opset : (graph.opsets[node.domain] ?? 1)
        if let values = try BuiltinEvaluator.evaluate(node: node, inputs: inputs, inputTypes: inputTypes, outputTypes: outputTypes, opset: opset) {
            return values
        }
        guard !typeOnly, let evaluator else { return nil }
        let values: [Tensor]?
        do {
            values = try evaluator.evaluate(node: node, inputs: inputs, opset: opset)
        } catch {
            throw .evaluationFailed(node: node.name, opType: node.opType, reason: String(describing: error))
        }
        guard let values else { return nil }
        guard values.count >= node.outputs.count,
              zip(values, outputTypes).allSatisfy({ $0.0.dtype == $0.1.dtype && $0.0.shape == $0.1.shape }) else {
            throw .evaluationFailed(node: node.name, opType: node.opType, reason: "the evaluator returned tensors of the wrong type or shape")
        }
        return values
    }
}
