/// Drops nodes none of whose outputs reach a graph output, then initializers nothing reads.
enum DeadNodeRemoval {
    static func run(_ graph: inout Graph) {
        var needed = Set(graph.outputs.map(\.name))
        var live = [Bool](repeating: false, count: graph.nodes.count)
        for i in graph.nodes.indices.reversed() {
            let n = graph.nodes[i]
            guard n.outputs.contains(where: { needed.contains($0) }) else { continue }
            live[i] = true
            for input in n.inputs where !input.isEmpty { needed.insert(input) }
        }
        graph.nodes = graph.nodes.indices.filter { live[$0] }.map { graph.nodes[$0] }
        graph.initializers = graph.initializers.filter { needed.contains($0.key) }
    }
}
