/// Folds a Mul or an Add by a constant per-channel tensor into the Conv or the
/// inference-mode BatchNormalization that feeds it: a Conv's weights and bias, or a
/// BatchNormalization's scale and B, absorb y = x · m and y = x + a, per channel, in
/// fp32 (fp16 parameters are rounded back once, as in `BatchNormFolding`).
///
/// Caffe2 exports (DenseNet-121 of the zoo) follow every BatchNormalization with such a
/// Mul and Add; run as tensors of their own they read and wrote each activation twice
/// more (4 % of DenseNet's time), and they kept the Relu after them from fusing.
///
/// Only when the producer's output has no other consumer and is not a graph output,
/// its parameters are constants of the constant's dtype, and the constant broadcasts
/// along the channel axis alone (shape [C], [C, 1, 1], [1, C, 1, 1] or a single value),
/// so the output keeps the producer's shape. New initializers get fresh names.
enum ChannelAffineFolding {
    static func run(_ graph: inout Graph) {
        var uses = GraphUses(graph)
        for (index, node) in graph.nodes.enumerated() where (node.opType == "Mul" || node.opType == "Add") && node.domain.isEmpty {
            guard node.inputs.count == 2, node.outputs.count == 1 else { continue }
            for (xi, ci) in [(0, 1), (1, 0)] {
                guard let constant = graph.initializers[node.inputs[ci]], graph.initializers[node.inputs[xi]] == nil,
                      let producer = uses.soleProducer(of: node.inputs[xi]),
                      let shape = graph.valueTypes[node.inputs[xi]]?.shape,
                      let values = channelValues(constant, outputShape: shape) else { continue }
                let folded: Node?
                switch graph.nodes[producer].opType {
                case "Conv": folded = foldIntoConv(graph.nodes[producer], node.opType, values, constant.dtype, &graph)
                case "BatchNormalization": folded = foldIntoBatchNorm(graph.nodes[producer], node.opType, values, constant.dtype, &graph)
                default: folded = nil
                }
                guard let folded else { continue }
                uses.absorb(index, into: producer, as: folded, in: &graph)
                break
            }
        }
        uses.dropAbsorbed(from: &graph)
    }

    /// The constant as one value per channel of `outputShape` (axis 1), nil when it
    /// broadcasts along any other axis or would change the output's shape.
    static func channelValues(_ t: Tensor, outputShape: [Int]) -> [Float]? {
        guard t.dtype == .float32 || t.dtype == .float16, outputShape.count >= 2, t.shape.count <= outputShape.count else { return nil }
        let channels = outputShape[1]
        let values = BatchNormFolding.floats(t)
        if t.elementCount == 1 { return [Float](repeating: values[0], count: channels) }
        // Right-aligned against the output: every axis but the channel axis must be 1.
        let aligned = [Int](repeating: 1, count: outputShape.count - t.shape.count) + t.shape
        for (axis, d) in aligned.enumerated() where axis != 1 && d != 1 { return nil }
        return aligned[1] == channels ? values : nil
    }

    static func foldIntoConv(_ conv: Node, _ op: String, _ v: [Float], _ dtype: DType, _ graph: inout Graph) -> Node? {
        guard conv.domain.isEmpty, conv.outputs.count == 1, conv.attributes[ReluFusion.attribute] == nil,
              let w = graph.initializers[conv.inputs[1]], w.dtype == dtype, w.shape.count >= 3, w.shape[0] == v.count else { return nil }
        let hasBias = conv.inputs.count > 2 && !conv.inputs[2].isEmpty
        let bias = hasBias ? graph.initializers[conv.inputs[2]] : nil
        if hasBias && (bias == nil || bias!.dtype != dtype) { return nil }
        var b = bias.map(BatchNormFolding.floats) ?? [Float](repeating: 0, count: v.count)
        var folded = conv
        if op == "Mul" {
            var weights = BatchNormFolding.floats(w)
            let perChannel = w.elementCount / v.count
            for oc in v.indices {
                for k in 0..<perChannel { weights[oc * perChannel + k] *= v[oc] }
                b[oc] *= v[oc]
            }
            let wName = BatchNormFolding.fresh("\(conv.name).scaled_W", graph)
            graph.initializers[wName] = BatchNormFolding.tensor(weights, like: w, shape: w.shape)
            folded.inputs = [conv.inputs[0], wName]
            // A Conv without bias times m still has none to scale.
            if !hasBias { return folded }
        } else {
            for oc in v.indices { b[oc] += v[oc] }
            folded.inputs = Array(conv.inputs.prefix(2))
        }
        let bName = BatchNormFolding.fresh("\(conv.name).\(op == "Mul" ? "scaled" : "shifted")_B", graph)
        graph.initializers[bName] = BatchNormFolding.tensor(b, like: w, shape: [v.count])
        folded.inputs.append(bName)
        return folded
    }

    static func foldIntoBatchNorm(_ bn: Node, _ op: String, _ v: [Float], _ dtype: DType, _ graph: inout Graph) -> Node? {
        guard bn.domain.isEmpty, bn.inputs.count == 5, bn.outputs.filter({ !$0.isEmpty }).count == 1,
              bn.attributes[ReluFusion.attribute] == nil else { return nil }
        if case .int(let training)? = bn.attributes["training_mode"], training != 0 { return nil }
        guard let scale = graph.initializers[bn.inputs[1]], let shift = graph.initializers[bn.inputs[2]],
              scale.dtype == dtype, shift.dtype == dtype, scale.elementCount == v.count, shift.elementCount == v.count else { return nil }
        var s = BatchNormFolding.floats(scale), b = BatchNormFolding.floats(shift)
        var folded = bn
        folded.outputs = [bn.outputs[0]]
        if op == "Mul" {
            for c in v.indices { s[c] *= v[c]; b[c] *= v[c] }
            let sName = BatchNormFolding.fresh("\(bn.name).scaled_scale", graph)
            graph.initializers[sName] = BatchNormFolding.tensor(s, like: scale, shape: [v.count])
            folded.inputs[1] = sName
        } else {
            for c in v.indices { b[c] += v[c] }
        }
        let bName = BatchNormFolding.fresh("\(bn.name).\(op == "Mul" ? "scaled" : "shifted")_B", graph)
        graph.initializers[bName] = BatchNormFolding.tensor(b, like: shift, shape: [v.count])
        folded.inputs[2] = bName
        return folded
    }
}
