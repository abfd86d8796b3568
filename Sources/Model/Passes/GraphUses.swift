/// Who reads and who writes each value of a graph: what a pass needs to fuse a node
/// into the node that produces its input, and the nodes it has fused so far.
struct GraphUses {
    private var consumers: [String: Int] = [:]
    private let graphOutputs: Set<String>
    private var producer: [String: Int] = [:]
    /// Nodes merged into the node before them (`absorb`), dropped by `dropAbsorbed`.
    private var absorbed = Set<Int>()

    init(_ graph: Graph) {
        for n in graph.nodes { for i in n.inputs where !i.isEmpty { consumers[i, default: 0] += 1 } }
        graphOutputs = Set(graph.outputs.map(\.name))
        for (i, n) in graph.nodes.enumerated() { for o in n.outputs { producer[o] = i } }
    }

    /// Index of the node producing `value` when nothing else reads `value` and it is not
    /// a graph output, so that a fusion may swallow it; nil otherwise, and for a node
    /// already absorbed.
    func soleProducer(of value: String) -> Int? {
        guard let p = producer[value], consumers[value] == 1, !graphOutputs.contains(value), !absorbed.contains(p) else { return nil }
        return p
    }

    /// Index of the node producing `value`, however many nodes read it; nil for graph
    /// inputs and initializers.
    func producerIndex(of value: String) -> Int? { producer[value] }

    /// Node `index`, rewritten as `node`, takes over the single output of node `consumer`,
    /// which the pass drops at its end (`dropAbsorbed`).
    mutating func absorb(_ consumer: Int, into index: Int, as node: Node, in graph: inout Graph) {
        let output = graph.nodes[consumer].outputs[0]
        var node = node
        node.outputs = [output]
        graph.nodes[index] = node
        producer[output] = index
        absorbed.insert(consumer)
    }

    /// Removes the absorbed nodes from `graph`.
    func dropAbsorbed(from graph: inout Graph) {
        graph.nodes = graph.nodes.enumerated().filter { !absorbed.contains($0.offset) }.map(\.element)
    }
}
