/// Fills `Graph.valueTypes` with the dtype and shape of every value.
///
/// Nodes are visited in order. Small integer values computed from constants
/// (a Shape → Gather → Concat chain feeding a Reshape) are evaluated on the way
/// with `BuiltinEvaluator`, so shapes that only look data-dependent resolve
/// without running the passes first.
public enum ShapeInference {
    /// Values up to this many elements are evaluated during inference.
    static let maxPropagatedElements = 1 << 16

    /// Infers every node's output types in order; throws for unknown operators,
    /// inconsistent shapes and shapes that depend on non-constant data.
    public static func infer(_ graph: inout Graph) throws(ModelError) {
        var types: [String: TensorType] = [:]
        for i in graph.inputs { types[i.name] = i.type }
        var constants: [String: Tensor] = [:]
        for (name, t) in graph.initializers {
            types[name] = TensorType(dtype: t.dtype, shape: t.shape)
            if t.elementCount <= maxPropagatedElements { constants[name] = t }
        }
        for node in graph.nodes {
            try inferNode(node, graph: graph, types: &types, constants: &constants)
        }
        graph.valueTypes = types
        for k in graph.outputs.indices {
            guard let t = types[graph.outputs[k].name] else {
                throw .undefinedValue(name: graph.outputs[k].name, node: "<graph output>")
            }
            graph.outputs[k].type = t
        }
    }

    static func inferNode(_ node: Node, graph: Graph, types: inout [String: TensorType], constants: inout [String: Tensor]) throws(ModelError) {
        var inputTypes: [TensorType?] = []
        var inputConstants: [Tensor?] = []
        for name in node.inputs {
            if name.isEmpty { inputTypes.append(nil); inputConstants.append(nil); continue }
            guard let t = types[name] else { throw .undefinedValue(name: name, node: node.name) }
            inputTypes.append(t)
            inputConstants.append(constants[name])
        }
        let opset = node.domain.isEmpty ? graph.opset : (graph.opsets[node.domain] ?? 1)
        let context = OpContext(node: node, opset: opset, inputTypes: inputTypes, constants: inputConstants)
        let outputs = try rule(context)
        let produced = node.outputs.count
        guard produced <= outputs.count else {
            throw context.invalid("has \(produced) outputs, the operator defines \(outputs.count)")
        }
        for (name, t) in zip(node.outputs, outputs) where !name.isEmpty {
            guard ShapeLimits.elementCount(t.shape) != nil else { throw .dimensionOverflow(value: name, shape: t.shape) }
            guard types[name] == nil else { throw .duplicateValueName(name: name, node: node.name) }
            types[name] = t
        }
        // Evaluate small constant values so later shape inputs are known.
        guard outputs.prefix(produced).allSatisfy({ $0.elementCount <= maxPropagatedElements }) else { return }
        guard node.opType == "Shape" || node.opType == "Size" || node.opType == "Constant"
            || (!inputConstants.isEmpty && zip(node.inputs, inputConstants).allSatisfy({ $0.0.isEmpty || $0.1 != nil })) else { return }
        if let values = try? BuiltinEvaluator.evaluate(node: node, inputs: inputConstants, inputTypes: inputTypes,
                                                         outputTypes: Array(outputs.prefix(produced)), opset: opset) {
            for (name, t) in zip(node.outputs, values) where !name.isEmpty && types[name]?.shape == t.shape && types[name]?.dtype == t.dtype {
                constants[name] = t
            }
        }
    }
}
