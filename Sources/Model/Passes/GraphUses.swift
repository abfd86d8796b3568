/// Who reads and who writes each value of a graph: what a pass needs to fuse a node
/// into the node that produces its input.
struct GraphUses {
    private var consumers: [String: Int] = [:]
    private let graphOutputs: Set<String>
    private var producer: [String: Int] = [:]

    init(_ graph: Graph) {
        for n in graph.nodes { for i in n.inputs where !i.isEmpty { consumers[i, default: 0] += 1 } }
        graphOutputs = Set(graph.outputs.map(\.name))
        for (i, n) in graph.nodes.enumerated() { for o in n.outputs { producer[o] = i } }
    }

    /// Index of the node producing `value` when nothing else reads `value` and it is not
    /// a graph output, so that a fusion may swallow it; nil otherwise.
    func soleProducer(of value: String) -> Int? {
        guard let p = producer[value], consumers[value] == 1, !graphOutputs.contains(value) else { return nil }
        return p
    }

    /// Index of the node producing `value`, however many nodes read it; nil for graph
    /// inputs and initializers.
    func producerIndex(of value: String) -> Int? { producer[value] }

    /// Records that node `index` now writes `value` (the fused node took over the output).
    mutating func setProducer(of value: String, to index: Int) { producer[value] = index }
}
