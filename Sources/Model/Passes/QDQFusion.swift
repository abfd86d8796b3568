/// Lowers QDQ-format subgraphs (DequantizeLinear → float op → QuantizeLinear) to
/// operators that compute on the quantized integers, as onnxruntime's QDQ transformer
/// and TFLite's converter do, so that a QDQ model runs integer-only:
///
/// | pattern | becomes |
/// |---|---|
/// | DQ(x), DQ(w const)[, DQ(b int32) or float b] → Conv → Q | QLinearConv (bias requantized to x_scale·w_scale) |
/// | DQ(a), DQ(b) → MatMul → Q | QLinearMatMul |
/// | DQ(a), DQ(b)[, C] → Gemm → Q | com.microsoft QGemm (C as int32 at alpha/beta·a_scale·b_scale) |
/// | DQ, DQ → Add (or 2-input Sum) / Mul → Q | com.microsoft QLinearAdd / QLinearMul |
/// | Conv / MatMul / Gemm / Add / Sum / Mul → Relu → Q | the fused op, then Clip(y_q, min = zero point) |
/// | DQs → Concat → Q | com.microsoft QLinearConcat |
/// | DQ → GlobalAveragePool / AveragePool → Q | com.microsoft QLinearGlobalAveragePool / QLinearAveragePool |
/// | DQ → Softmax → Q | com.microsoft QLinearSoftmax |
/// | DQ → MaxPool / Reshape / Flatten / Transpose / Squeeze / Unsqueeze → Q, equal parameters | the op on the integers |
/// | DQ → Relu → Q, equal parameters | Clip(x_q, min = zero point) |
///
/// Only when every scale and zero point is a constant (activations per tensor; weights
/// may be per output channel), the float op's output feeds nothing but the Q and is
/// not a graph output, and the dtypes are int8/uint8. The DQ nodes are left for other
/// consumers; dead-node removal drops those nothing reads any more. The fused node
/// keeps the float op's name, so per-node reports still line up with the model.
enum QDQFusion {
    /// Quantization parameters of one DQ or Q node, all constants.
    struct Parameters {
        var scaleName: String
        var scale: [Float]
        var zeroPointName: String?
        var zeroPoint: [Int]
        /// The quantized dtype (the zero point's, else the data's).
        var dtype: DType
        var axis: Int

        var isPerTensor: Bool { scale.count == 1 }
        func sameValues(as o: Parameters) -> Bool {
            dtype == o.dtype && scale == o.scale && (zeroPoint.isEmpty ? [0] : zeroPoint) == (o.zeroPoint.isEmpty ? [0] : o.zeroPoint)
        }
    }

    static let commuting: Set<String> = ["MaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze"]
    /// Ops whose fused form may absorb a following Relu (as a Clip on the integers).
    static let reluFollowable: Set<String> = ["Conv", "MatMul", "Gemm", "Add", "Sum", "Mul"]

    static func run(_ graph: inout Graph) {
        var consumers: [String: Int] = [:]
        for n in graph.nodes { for i in n.inputs where !i.isEmpty { consumers[i, default: 0] += 1 } }
        let graphOutputs = Set(graph.outputs.map(\.name))
        var producer: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() { for o in n.outputs where !o.isEmpty { producer[o] = i } }
        var consumerOf: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() { for input in n.inputs where !input.isEmpty { consumerOf[input] = i } }

        var replaced: [Int: Node] = [:]
        var removed = Set<Int>()
        for (index, node) in graph.nodes.enumerated() where node.domain.isEmpty {
            guard let out = node.outputs.first, node.outputs.filter({ !$0.isEmpty }).count == 1,
                  consumers[out] == 1, !graphOutputs.contains(out), var qIndex = consumerOf[out] else { continue }
            // op → Relu → Q: quantization is monotonic and maps 0 to the zero point, so the
            // Relu becomes Clip(y_q, min = zero point) after the fused op.
            var reluIndex: Int?
            let relu = graph.nodes[qIndex]
            if reluFollowable.contains(node.opType), relu.opType == "Relu", relu.domain.isEmpty, let r = relu.outputs.first,
               consumers[r] == 1, !graphOutputs.contains(r), let next = consumerOf[r] {
                reluIndex = qIndex
                qIndex = next
            }
            guard isQuantize(graph.nodes[qIndex]), let y = parameters(graph.nodes[qIndex], graph: graph), y.isPerTensor,
                  y.dtype == .int8 || y.dtype == .uint8 else { continue }
            var q = graph.nodes[qIndex]
            var clip: Node?
            if let reluIndex {
                let mid = BatchNormFolding.fresh("\(out).quantized", graph)
                graph.valueTypes[mid] = graph.valueTypes[q.outputs[0]]
                clip = Node(name: graph.nodes[reluIndex].name, opType: "Clip", inputs: [mid, names(y, &graph)[1]], outputs: q.outputs)
                q.outputs = [mid]
            }
            /// The DQ parameters of input i, when it comes from a DequantizeLinear with constant parameters.
            func dq(_ i: Int) -> (input: String, p: Parameters)? {
                guard i < node.inputs.count, let pi = producer[node.inputs[i]], isDequantize(graph.nodes[pi]),
                      let p = parameters(graph.nodes[pi], graph: graph), p.dtype == .int8 || p.dtype == .uint8,
                      graph.nodes[pi].attributes["block_size"].map({ if case .int(let b) = $0 { b == 0 } else { false } }) ?? true
                else { return nil }
                return (graph.nodes[pi].inputs[0], p)
            }
            var fused: Node?
            switch node.opType {
            case "Conv":
                fused = fuseConv(node, dq(0), dq(1), y: y, outputs: q.outputs, graph: &graph, producer: producer)
            case "MatMul":
                if let a = dq(0), let b = dq(1), a.p.isPerTensor, perColumn(b.p, graph.valueTypes[b.input]) {
                    fused = Node(name: node.name, opType: "QLinearMatMul",
                                 inputs: [a.input] + names(a.p, &graph) + [b.input] + names(b.p, &graph) + names(y, &graph),
                                 outputs: q.outputs)
                }
            case "Gemm":
                fused = fuseGemm(node, dq(0), dq(1), y: y, outputs: q.outputs, graph: &graph, producer: producer)
            case "Add", "Mul", "Sum":
                if node.inputs.count == 2, let a = dq(0), let b = dq(1), a.p.isPerTensor, b.p.isPerTensor, a.p.dtype == y.dtype, b.p.dtype == y.dtype {
                    fused = Node(name: node.name, opType: node.opType == "Mul" ? "QLinearMul" : "QLinearAdd", domain: "com.microsoft",
                                 inputs: [a.input] + names(a.p, &graph) + [b.input] + names(b.p, &graph) + names(y, &graph),
                                 outputs: q.outputs)
                }
            case "Concat":
                let parts = node.inputs.indices.map { dq($0) }
                if !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0!.p.isPerTensor && $0!.p.dtype == y.dtype }) {
                    var inputs = names(y, &graph)
                    for part in parts { inputs += [part!.input] + names(part!.p, &graph) }
                    fused = Node(name: node.name, opType: "QLinearConcat", domain: "com.microsoft", inputs: inputs, outputs: q.outputs,
                                 attributes: ["axis": node.attributes["axis"] ?? .int(0)])
                }
            case "GlobalAveragePool", "AveragePool":
                if let x = dq(0), x.p.isPerTensor, x.p.dtype == y.dtype {
                    var attributes = node.attributes
                    attributes["channels_last"] = .int(0)
                    if case .ints(let d)? = attributes["dilations"], d.contains(where: { $0 != 1 }) { break }
                    attributes["dilations"] = nil
                    fused = Node(name: node.name, opType: "QLinear\(node.opType)", domain: "com.microsoft",
                                 inputs: [x.input] + names(x.p, &graph) + names(y, &graph), outputs: q.outputs, attributes: attributes)
                }
            case "Softmax":
                if let x = dq(0), x.p.isPerTensor, x.p.dtype == y.dtype {
                    // QLinearSoftmax's `opset` says which Softmax semantics (flattening before 13) the axis has.
                    let axis = node.attributes["axis"] ?? .int(graph.opset < 13 ? 1 : -1)
                    fused = Node(name: node.name, opType: "QLinearSoftmax", domain: "com.microsoft",
                                 inputs: [x.input] + names(x.p, &graph) + names(y, &graph), outputs: q.outputs,
                                 attributes: ["axis": axis, "opset": .int(graph.opset)])
                }
            case "Relu":
                if let x = dq(0), x.p.isPerTensor, x.p.sameValues(as: y) {
                    let zp = names(y, &graph)[1]
                    fused = Node(name: node.name, opType: "Clip", inputs: [x.input, zp], outputs: q.outputs)
                }
            default:
                if commuting.contains(node.opType), let x = dq(0), x.p.isPerTensor, x.p.sameValues(as: y) {
                    var n = node
                    n.inputs[0] = x.input
                    n.outputs = q.outputs
                    fused = n
                }
            }
            guard let fused else { continue }
            replaced[index] = fused
            removed.insert(qIndex)
            if let reluIndex, let clip {
                // The Clip takes the Relu's place: after the fused op, before the Q's consumers.
                replaced[reluIndex] = clip
            }
        }
        guard !replaced.isEmpty else { return }
        if replaced.values.contains(where: { $0.domain == "com.microsoft" }), graph.opsets["com.microsoft"] == nil {
            graph.opsets["com.microsoft"] = 1
        }
        graph.nodes = graph.nodes.enumerated().compactMap { i, n in removed.contains(i) ? nil : (replaced[i] ?? n) }
    }

    static func isQuantize(_ n: Node) -> Bool { n.opType == "QuantizeLinear" && (n.domain.isEmpty || n.domain == "com.microsoft") }
    static func isDequantize(_ n: Node) -> Bool { n.opType == "DequantizeLinear" && (n.domain.isEmpty || n.domain == "com.microsoft") }

    /// The constant parameters of a Q or DQ node, or nil when any is computed at run time.
    static func parameters(_ n: Node, graph: Graph) -> Parameters? {
        guard n.inputs.count >= 2, let s = graph.initializers[n.inputs[1]], s.dtype == .float32 else { return nil }
        var zpName: String?, zp: [Int] = []
        var dtype: DType
        if n.inputs.count > 2, !n.inputs[2].isEmpty {
            guard let z = graph.initializers[n.inputs[2]], z.dtype.bitWidth >= 8 else { return nil }
            zpName = n.inputs[2]; zp = z.integers(); dtype = z.dtype
        } else if isDequantize(n) {
            guard let t = graph.valueTypes[n.inputs[0]] else { return nil }
            dtype = t.dtype
        } else {
            guard let t = graph.valueTypes[n.outputs[0]] else { return nil }
            dtype = t.dtype
        }
        var axis = 1
        if case .int(let a)? = n.attributes["axis"] { axis = a }
        return Parameters(scaleName: n.inputs[1], scale: s.scalars(as: Float.self), zeroPointName: zpName, zeroPoint: zp, dtype: dtype, axis: axis)
    }

    /// [scale, zero point] input names, adding a zero-valued zero point when the node had none.
    static func names(_ p: Parameters, _ graph: inout Graph) -> [String] {
        if let z = p.zeroPointName { return [p.scaleName, z] }
        let name = BatchNormFolding.fresh("\(p.scaleName).zero_point", graph)
        let count = p.scale.count
        graph.initializers[name] = p.dtype == .int8
            ? Tensor(dtype: .int8, shape: count == 1 ? [] : [count], values: [Int8](repeating: 0, count: count))
            : Tensor(dtype: .uint8, shape: count == 1 ? [] : [count], values: [UInt8](repeating: 0, count: count))
        return [p.scaleName, name]
    }

    /// Whether B's parameters are per tensor or per column of a 2-D B (axis = last).
    static func perColumn(_ p: Parameters, _ type: TensorType?) -> Bool {
        if p.isPerTensor { return true }
        guard let t = type, t.shape.count == 2 else { return false }
        return (p.axis == 1 || p.axis == -1) && p.scale.count == t.shape[1]
    }

    /// The bias's float values: a float constant, or DQ of a constant int32.
    static func floatBias(_ name: String, graph: Graph, producer: [String: Int]) -> [Float]? {
        if let t = graph.initializers[name] { return t.dtype == .float32 ? t.scalars(as: Float.self) : nil }
        guard let pi = producer[name], isDequantize(graph.nodes[pi]), let q = graph.initializers[graph.nodes[pi].inputs[0]],
              q.dtype == .int32, let p = parameters(graph.nodes[pi], graph: graph) else { return nil }
        let values = q.integers()
        return values.indices.map { i in
            let s = p.scale.count == 1 ? p.scale[0] : p.scale[i % p.scale.count]
            let z = p.zeroPoint.isEmpty ? 0 : (p.zeroPoint.count == 1 ? p.zeroPoint[0] : p.zeroPoint[i % p.zeroPoint.count])
            return Float(values[i] - z) * s
        }
    }

    /// round(bias[c] / scale[c]) as int32, saturated.
    static func int32Bias(_ bias: [Float], scales: [Double], graph: inout Graph, base: String) -> String {
        let values = bias.indices.map { i -> Int32 in
            let v = (Double(bias[i]) / scales[scales.count == 1 ? 0 : i]).rounded(.toNearestOrEven)
            return Int32(max(Double(Int32.min), min(Double(Int32.max), v)))
        }
        let name = BatchNormFolding.fresh("\(base).bias_int32", graph)
        graph.initializers[name] = Tensor(dtype: .int32, shape: [values.count], values: values)
        return name
    }

    static func fuseConv(_ node: Node, _ x: (input: String, p: Parameters)?, _ w: (input: String, p: Parameters)?, y: Parameters,
                         outputs: [String], graph: inout Graph, producer: [String: Int]) -> Node? {
        guard let x, let w, x.p.isPerTensor, graph.initializers[w.input] != nil,
              let wType = graph.valueTypes[w.input], !wType.shape.isEmpty else { return nil }
        let channels = wType.shape[0]
        guard w.p.isPerTensor || (w.p.axis == 0 && w.p.scale.count == channels) else { return nil }
        var inputs = [x.input] + names(x.p, &graph) + [w.input] + names(w.p, &graph) + names(y, &graph)
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            guard let bias = floatBias(node.inputs[2], graph: graph, producer: producer), bias.count == channels else { return nil }
            let scales = (0..<channels).map { Double(x.p.scale[0]) * Double(w.p.scale[w.p.isPerTensor ? 0 : $0]) }
            inputs.append(int32Bias(bias, scales: scales, graph: &graph, base: node.name))
        }
        return Node(name: node.name, opType: "QLinearConv", inputs: inputs, outputs: outputs, attributes: node.attributes)
    }

    static func fuseGemm(_ node: Node, _ a: (input: String, p: Parameters)?, _ b: (input: String, p: Parameters)?, y: Parameters,
                         outputs: [String], graph: inout Graph, producer: [String: Int]) -> Node? {
        guard let a, let b, a.p.isPerTensor, let bType = graph.valueTypes[b.input], bType.shape.count == 2 else { return nil }
        var alpha: Float = 1, beta: Float = 1, transB = 0
        if case .float(let v)? = node.attributes["alpha"] { alpha = v }
        if case .float(let v)? = node.attributes["beta"] { beta = v }
        if case .int(let v)? = node.attributes["transB"] { transB = v }
        let n = transB != 0 ? bType.shape[0] : bType.shape[1]
        // Per-column B scales lie along N: axis 0 of a transposed B, axis 1 otherwise.
        guard b.p.isPerTensor || (b.p.scale.count == n && (b.p.axis == (transB != 0 ? 0 : 1) || (transB == 0 && b.p.axis == -1))) else { return nil }
        var inputs = [a.input] + names(a.p, &graph) + [b.input] + names(b.p, &graph)
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            guard let c = floatBias(node.inputs[2], graph: graph, producer: producer), c.count == n || c.count == 1 else { return nil }
            let full = c.count == n ? c : [Float](repeating: c[0], count: n)
            let scales = (0..<n).map { Double(alpha) / Double(beta) * Double(a.p.scale[0]) * Double(b.p.scale[b.p.isPerTensor ? 0 : $0]) }
            guard beta != 0 else { return nil }
            inputs.append(int32Bias(full, scales: scales, graph: &graph, base: node.name))
        } else {
            inputs.append("")
        }
        inputs += names(y, &graph)
        var attributes: [String: Attribute] = ["alpha": .float(alpha)]
        attributes["transA"] = node.attributes["transA"]
        attributes["transB"] = node.attributes["transB"]
        return Node(name: node.name, opType: "QGemm", domain: "com.microsoft", inputs: inputs,
                    outputs: outputs, attributes: attributes)
    }
}
