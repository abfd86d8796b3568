/// Folds an inference-mode BatchNormalization into the Conv that feeds it:
/// W' = W · s, b' = (b − mean) · s + β with s = γ / √(var + ε), per output channel, in fp32.
///
/// Only when the Conv output has no other consumer and is not a graph output, and
/// all weights are constant fp32 tensors. New initializers get fresh names so a
/// weight shared with another node is never changed under it.
enum BatchNormFolding {
    static func run(_ graph: inout Graph) throws(ModelError) {
        var consumers: [String: Int] = [:]
        for n in graph.nodes { for i in n.inputs where !i.isEmpty { consumers[i, default: 0] += 1 } }
        let graphOutputs = Set(graph.outputs.map(\.name))
        var producerIndex: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() { for o in n.outputs { producerIndex[o] = i } }
        var removed = Set<Int>()
        for (bnIndex, bn) in graph.nodes.enumerated() where bn.opType == "BatchNormalization" && bn.domain.isEmpty {
            guard bn.inputs.count == 5, bn.outputs.filter({ !$0.isEmpty }).count == 1 else { continue }
            if case .int(let training)? = bn.attributes["training_mode"], training != 0 { continue }
            let x = bn.inputs[0]
            guard let ci = producerIndex[x], !removed.contains(ci), consumers[x] == 1, !graphOutputs.contains(x) else { continue }
            let conv = graph.nodes[ci]
            guard conv.opType == "Conv", conv.domain.isEmpty, conv.outputs.count == 1,
                  let w = graph.initializers[conv.inputs[1]], w.dtype == .float32, w.shape.count >= 3 else { continue }
            let bias: Tensor? = conv.inputs.count > 2 && !conv.inputs[2].isEmpty ? graph.initializers[conv.inputs[2]] : nil
            if conv.inputs.count > 2 && !conv.inputs[2].isEmpty && (bias == nil || bias!.dtype != .float32) { continue }
            var params: [[Float]] = []
            for name in bn.inputs[1...] {
                guard let t = graph.initializers[name], t.dtype == .float32, t.elementCount == w.shape[0] else { break }
                params.append(t.scalars(as: Float.self))
            }
            guard params.count == 4 else { continue }
            var epsilon: Float = 1e-5
            if case .float(let e)? = bn.attributes["epsilon"] { epsilon = e }
            let (gamma, beta, mean, variance) = (params[0], params[1], params[2], params[3])
            let channels = w.shape[0]
            let perChannel = w.elementCount / max(channels, 1)
            var weights = w.scalars(as: Float.self)
            var b = bias?.scalars(as: Float.self) ?? [Float](repeating: 0, count: channels)
            for oc in 0..<channels {
                let s = gamma[oc] / (variance[oc] + epsilon).squareRoot()
                for k in 0..<perChannel { weights[oc * perChannel + k] *= s }
                b[oc] = (b[oc] - mean[oc]) * s + beta[oc]
            }
            let wName = fresh("\(conv.name).bn_folded_W", graph), bName = fresh("\(conv.name).bn_folded_B", graph)
            graph.initializers[wName] = Tensor(dtype: .float32, shape: w.shape, values: weights)
            graph.initializers[bName] = Tensor(dtype: .float32, shape: [channels], values: b)
            var folded = conv
            folded.inputs = [conv.inputs[0], wName, bName]
            folded.outputs = [bn.outputs[0]]
            graph.nodes[ci] = folded
            producerIndex[bn.outputs[0]] = ci
            removed.insert(bnIndex)
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }

    static func fresh(_ base: String, _ graph: Graph) -> String {
        var name = base, k = 1
        while graph.initializers[name] != nil || graph.valueTypes[name] != nil { name = "\(base)_\(k)"; k += 1 }
        return name
    }
}
