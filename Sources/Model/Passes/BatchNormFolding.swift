/// Folds an inference-mode BatchNormalization into the Conv that feeds it:
/// W' = W · s, b' = (b − mean) · s + β with s = γ / √(var + ε), per output channel, in fp32
/// (fp16 models: computed in fp32, stored back as fp16).
///
/// Only when the Conv output has no other consumer and is not a graph output, and
/// all weights are constant fp32 tensors. New initializers get fresh names so a
/// weight shared with another node is never changed under it.
enum BatchNormFolding {
    static func run(_ graph: inout Graph) throws(ModelError) {
        var uses = GraphUses(graph)
        for (bnIndex, bn) in graph.nodes.enumerated() where bn.opType == "BatchNormalization" && bn.domain.isEmpty {
            guard bn.inputs.count == 5, bn.outputs.filter({ !$0.isEmpty }).count == 1 else { continue }
            if case .int(let training)? = bn.attributes["training_mode"], training != 0 { continue }
            let x = bn.inputs[0]
            guard let ci = uses.soleProducer(of: x) else { continue }
            let conv = graph.nodes[ci]
            guard conv.opType == "Conv", conv.domain.isEmpty, conv.outputs.count == 1,
                  let w = graph.initializers[conv.inputs[1]], w.dtype == .float32 || w.dtype == .float16, w.shape.count >= 3 else { continue }
            let bias: Tensor? = conv.inputs.count > 2 && !conv.inputs[2].isEmpty ? graph.initializers[conv.inputs[2]] : nil
            if conv.inputs.count > 2 && !conv.inputs[2].isEmpty && (bias == nil || bias!.dtype != w.dtype) { continue }
            var params: [[Float]] = []
            for name in bn.inputs[1...] {
                guard let t = graph.initializers[name], t.dtype == w.dtype, t.elementCount == w.shape[0] else { break }
                params.append(Self.floats(t))
            }
            guard params.count == 4 else { continue }
            var epsilon: Float = 1e-5
            if case .float(let e)? = bn.attributes["epsilon"] { epsilon = e }
            let (gamma, beta, mean, variance) = (params[0], params[1], params[2], params[3])
            let channels = w.shape[0]
            let perChannel = w.elementCount / max(channels, 1)
            var weights = Self.floats(w)
            var b = bias.map(Self.floats) ?? [Float](repeating: 0, count: channels)
            for oc in 0..<channels {
                let s = gamma[oc] / (variance[oc] + epsilon).squareRoot()
                for k in 0..<perChannel { weights[oc * perChannel + k] *= s }
                b[oc] = (b[oc] - mean[oc]) * s + beta[oc]
            }
            let wName = fresh("\(conv.name).bn_folded_W", graph), bName = fresh("\(conv.name).bn_folded_B", graph)
            graph.initializers[wName] = Self.tensor(weights, like: w, shape: w.shape)
            graph.initializers[bName] = Self.tensor(b, like: w, shape: [channels])
            var folded = conv
            folded.inputs = [conv.inputs[0], wName, bName]
            uses.absorb(bnIndex, into: ci, as: folded, in: &graph)
        }
        uses.dropAbsorbed(from: &graph)
    }

    /// fp16 parameters are folded in fp32 and rounded back once, as an fp16 exporter
    /// folding in fp32 would; the Conv stays fp16.
    static func floats(_ t: Tensor) -> [Float] {
        t.dtype == .float16 ? t.scalars(as: Float16.self).map(Float.init) : t.scalars(as: Float.self)
    }

    static func tensor(_ values: [Float], like t: Tensor, shape: [Int]) -> Tensor {
        t.dtype == .float16 ? Tensor(dtype: .float16, shape: shape, values: values.map(Float16.init))
            : Tensor(dtype: .float32, shape: shape, values: values)
    }

    static func fresh(_ base: String, _ graph: Graph) -> String {
        var name = base, k = 1
        while graph.initializers[name] != nil || graph.valueTypes[name] != nil { name = "\(base)_\(k)"; k += 1 }
        return name
    }
}
