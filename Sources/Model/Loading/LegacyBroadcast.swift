/// Opset 6 and older spell broadcasting with attributes: `broadcast: 1` lets B be
/// smaller than A, and `axis` says where B's dimensions start in A, where opset 7
/// and later align B with A's trailing dimensions (numpy). Before shape inference
/// reads the graph with today's rules, an `axis` that differs from the trailing
/// alignment becomes a Reshape of B with trailing 1s; the legacy attributes go.
///
/// Ranks come from the graph's declared inputs and initializers, which is where
/// the exporters of that era put broadcast operands; an operand of unknown rank
/// with an explicit `axis` is refused by name rather than computed wrongly.
enum LegacyBroadcast {
    static let binaryOps: Set<String> = ["Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less"]

    static func run(_ graph: inout Graph) throws(ModelError) {
        guard graph.opset < 7 else { return }
        var ranks: [String: Int] = [:]
        for input in graph.inputs { ranks[input.name] = input.type.shape.count }
        for (name, tensor) in graph.initializers { ranks[name] = tensor.shape.count }
        var nodes: [Node] = []
        for var node in graph.nodes {
            defer { nodes.append(node) }
            guard node.attributes["broadcast"] != nil else { continue }
            node.attributes["broadcast"] = nil
            guard binaryOps.contains(node.opType), case .int(let axis)? = node.attributes.removeValue(forKey: "axis"),
                  node.inputs.count == 2 else { continue }
            guard let rankA = ranks[node.inputs[0]], let rankB = ranks[node.inputs[1]] else {
                throw .invalidNode(node: node.name, opType: node.opType,
                                   reason: "opset-6 broadcast with axis \(axis) needs the ranks of both inputs, and '\(node.inputs[0])' or '\(node.inputs[1])' has none declared")
            }
            let start = axis < 0 ? axis + rankA : axis
            let trailing = rankA - start - rankB
            guard start >= 0, trailing >= 0 else {
                throw .invalidNode(node: node.name, opType: node.opType, reason: "broadcast axis \(axis) does not fit input ranks \(rankA) and \(rankB)")
            }
            guard trailing > 0 else { continue }
            let reshaped = "\(node.inputs[1])__legacy_broadcast_\(node.name.isEmpty ? String(nodes.count) : node.name)"
            // Unsqueeze with its axes attribute is opset 6's spelling (an input from 13 on).
            let axes = Array(rankB..<(rankB + trailing))
            nodes.append(Node(name: reshaped, opType: "Unsqueeze", inputs: [node.inputs[1]], outputs: [reshaped],
                              attributes: ["axes": .ints(axes)]))
            ranks[reshaped] = rankB + trailing
            node.inputs[1] = reshaped
        }
        graph.nodes = nodes
    }
}
