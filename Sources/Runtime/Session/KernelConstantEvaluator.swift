import Model

/// Folds constant subgraphs with the runtime's own kernels, for the operators
/// Model's built-in evaluator does not cover: each node runs in a one-node
/// `InferenceSession` whose inputs are all initializers.
///
/// Returns nil (the node stays in the graph) when no kernel handles the node or
/// shape inference cannot type its outputs; errors from a kernel that does handle
/// it are thrown, so a broken constant subgraph is reported at load time.
public struct KernelConstantEvaluator: ConstantEvaluator {
    public var registry: KernelRegistry

    public init(registry: KernelRegistry = .standard) { self.registry = registry }

    public func evaluate(node: Node, inputs: [Tensor?], opset: Int) throws -> [Tensor]? {
        guard inputs.count == node.inputs.count else { return nil }
        var initializers: [String: Tensor] = [:]
        for (name, tensor) in zip(node.inputs, inputs) where !name.isEmpty {
            // A named input without a value is not a constant: nothing to fold.
            guard let tensor else { return nil }
            initializers[name] = tensor
        }
        let selector = inputs.lazy.compactMap { $0 }.first?.dtype
        if let selector, registry.factory(for: KernelKey(node.opType, domain: node.domain, dtype: selector)) == nil {
            return nil
        }
        let outputNames = node.outputs.filter { !$0.isEmpty }
        let placeholder = TensorType(dtype: .float32, shape: [])
        let domain = node.domain == "ai.onnx" ? "" : node.domain
        var opsets = [domain: opset]
        if !domain.isEmpty { opsets[""] = opsets[""] ?? 17 }
        var graph = Graph(
            name: "fold \(node.name)", nodes: [node], initializers: initializers, inputs: [],
            outputs: outputNames.map { ValueInfo(name: $0, declaredShape: [], type: placeholder) },
            opsets: opsets)
        do {
            try ShapeInference.infer(&graph)
        } catch {
            return nil
        }
        guard outputNames.allSatisfy({ graph.valueTypes[$0] != nil }) else { return nil }
        let session: InferenceSession
        do {
            session = try InferenceSession(graph: graph, options: SessionOptions(threads: 1), registry: registry)
        } catch KernelError.unsupportedOperator {
            return nil
        }
        let outputs = try session.run([:])
        return outputNames.map { outputs[$0]! }
    }
}
