/// Removes Identity nodes and inference-mode Dropout nodes (whose mask is unused)
/// by pointing their consumers at their input.
enum IdentityRemoval {
    static func run(_ graph: inout Graph) {
        let graphOutputs = Set(graph.outputs.map(\.name))
        var used = Set<String>()
        for n in graph.nodes { for i in n.inputs { used.insert(i) } }
        var rename: [String: String] = [:]
        var kept: [Node] = []
        for var node in graph.nodes {
            node.inputs = node.inputs.map { rename[$0] ?? $0 }
            let removable: Bool
            switch node.opType {
            case "Identity": removable = node.domain.isEmpty && node.inputs.count == 1
            case "Dropout":
                let mask = node.outputs.count > 1 ? node.outputs[1] : ""
                var training = false
                if node.inputs.count > 2, !node.inputs[2].isEmpty {
                    training = graph.initializers[node.inputs[2]].map { $0.dtype == .bool && TensorElements.int($0, 0) != 0 } ?? true
                }
                removable = node.domain.isEmpty && !training && (mask.isEmpty || (!used.contains(mask) && !graphOutputs.contains(mask)))
            default: removable = false
            }
            // A graph output keeps its name: then the node stays (it is cheap) rather than renaming values.
            guard removable, let input = node.inputs.first, !input.isEmpty, !graphOutputs.contains(node.outputs[0]) else {
                kept.append(node); continue
            }
            rename[node.outputs[0]] = input
        }
        graph.nodes = kept
    }
}
