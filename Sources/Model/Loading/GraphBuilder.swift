/// Turns a decoded `GraphProto` into the IR: initializers decoded, real inputs
/// only, symbolic dimensions bound, nodes checked and in topological order.
struct GraphBuilder {
    var baseDirectory: String?
    var options: LoadOptions

    func build(_ proto: Onnx_GraphProto, opsets: [String: Int]) throws(ModelError) -> Graph {
        var initializers: [String: Tensor] = [:]
        for (index, t) in proto.initializer.enumerated() {
            let name = t.name.isEmpty ? "initializer_\(index)" : t.name
            guard initializers[name] == nil else { throw .duplicateValueName(name: name, node: "<initializer>") }
            initializers[name] = try TensorDecoder.decode(t, name: name, baseDirectory: baseDirectory, maxBytes: options.maxFileBytes)
        }
        // Inputs that are also initializers are weights with a default, not inputs the user feeds.
        var inputs: [ValueInfo] = []
        for vi in proto.input where initializers[vi.name] == nil {
            guard let info = try valueInfo(vi, requireShape: true) else {
                throw .invalidValueInfo(name: vi.name, reason: "has no tensor shape")
            }
            if inputs.contains(where: { $0.name == info.name }) { throw .duplicateValueName(name: info.name, node: "<graph input>") }
            inputs.append(info)
        }
        var nodes: [Node] = []
        for (index, np) in proto.node.enumerated() {
            nodes.append(try node(np, index: index))
        }
        var defined = Set(initializers.keys)
        for i in inputs { defined.insert(i.name) }
        nodes = try Self.topologicallySorted(nodes, defined: defined)
        for n in nodes { for o in n.outputs where !o.isEmpty { defined.insert(o) } }

        var outputs: [ValueInfo] = []
        for vi in proto.output {
            guard defined.contains(vi.name) else { throw .undefinedValue(name: vi.name, node: "<graph output>") }
            // Outputs may omit types; shape inference fills them in, this is a placeholder.
            let info = try valueInfo(vi, requireShape: false)
                ?? ValueInfo(name: vi.name, declaredShape: [], type: TensorType(dtype: .float32, shape: []))
            outputs.append(info)
        }
        var valueTypes: [String: TensorType] = [:]
        for i in inputs { valueTypes[i.name] = i.type }
        for (name, t) in initializers { valueTypes[name] = TensorType(dtype: t.dtype, shape: t.shape) }
        return Graph(name: proto.name, nodes: nodes, initializers: initializers, inputs: inputs, outputs: outputs,
                     valueTypes: valueTypes, opsets: opsets)
    }

    /// A declared value; nil when the file gives no tensor type or (unless required) no shape.
    private func valueInfo(_ vi: Onnx_ValueInfoProto, requireShape: Bool) throws(ModelError) -> ValueInfo? {
        guard vi.hasType, case .tensorType(let tt)? = vi.type.value else {
            if requireShape { throw .invalidValueInfo(name: vi.name, reason: "is not a tensor") }
            return nil
        }
        guard let dtype = DType(onnxCode: tt.elemType) else { throw .unknownDType(value: vi.name, code: Int(tt.elemType)) }
        guard tt.hasShape else { return requireShape ? nil : ValueInfo(name: vi.name, declaredShape: [], type: TensorType(dtype: dtype, shape: [])) }
        var declared: [Dimension] = []
        var bound: [Int] = []
        for d in tt.shape.dim {
            switch d.value {
            case .dimValue(let v)?:
                let n = try ShapeLimits.dimension(v, value: vi.name, shape: tt.shape.dim.map(\.dimValue))
                declared.append(.fixed(n)); bound.append(n)
            case .dimParam(let p)?:
                // Unbound symbolic dimensions default to 1 (batch 1 is what a device runs).
                let n = options.symbolicDimensions[p] ?? 1
                guard n >= 0 else { throw .dimensionOverflow(value: vi.name, shape: [n]) }
                declared.append(.symbolic(p)); bound.append(n)
            case nil:
                declared.append(.symbolic("?")); bound.append(1)
            }
        }
        _ = try ShapeLimits.checkedCount(bound, value: vi.name)
        return ValueInfo(name: vi.name, declaredShape: declared, type: TensorType(dtype: dtype, shape: bound))
    }

    private func node(_ np: Onnx_NodeProto, index: Int) throws(ModelError) -> Node {
        let name = np.name.isEmpty ? "\(np.opType)_\(index)" : np.name
        var attributes: [String: Attribute] = [:]
        for a in np.attribute {
            // The graph passes mark fused nodes with attributes in this namespace; one set
            // by a file would fuse a Relu, a residual or a pool the graph does not have.
            guard !a.name.hasPrefix(GraphPasses.reservedAttributePrefix) else {
                throw .invalidNode(node: name, opType: np.opType,
                                   reason: "attribute '\(a.name)' is reserved for Picojoule's own graph passes and may not come from a model file")
            }
            if let value = try attribute(a, node: name) { attributes[a.name] = value }
        }
        let domain = np.domain == "ai.onnx" ? "" : np.domain
        return Node(name: name, opType: np.opType, domain: domain, inputs: np.input, outputs: np.output, attributes: attributes)
    }

    /// Graph-valued and type-valued attributes are dropped: the operators that
    /// carry them (If, Loop, Scan) are not supported and fail in shape inference.
    private func attribute(_ a: Onnx_AttributeProto, node: String) throws(ModelError) -> Attribute? {
        let type: Onnx_AttributeProto.AttributeType
        if a.hasType { type = a.type } else {
            // Files from before IR version 2 leave `type` unset; infer it from the filled field.
            type = a.hasF ? .float : a.hasI ? .int : a.hasS ? .string : a.hasT ? .tensor
                : !a.floats.isEmpty ? .floats : !a.ints.isEmpty ? .ints : !a.strings.isEmpty ? .strings : .undefined
        }
        switch type {
        case .float: return .float(a.f)
        case .int: return .int(Int(a.i))
        case .string: return .string(String(decoding: a.s, as: UTF8.self))
        case .tensor:
            let tname = a.t.name.isEmpty ? "\(node).\(a.name)" : a.t.name
            return .tensor(try TensorDecoder.decode(a.t, name: tname, baseDirectory: baseDirectory, maxBytes: options.maxFileBytes))
        case .floats: return .floats(a.floats)
        case .ints: return .ints(a.ints.map { Int($0) })
        case .strings: return .strings(a.strings.map { String(decoding: $0, as: UTF8.self) })
        default: return nil
        }
    }

    /// Nodes in an order where every input is produced before it is read (ONNX
    /// requires this; some exporters do not honour it). Throws for a value
    /// produced twice, or read but never produced.
    static func topologicallySorted(_ nodes: [Node], defined: Set<String>) throws(ModelError) -> [Node] {
        var producer: [String: Int] = [:]
        for (i, n) in nodes.enumerated() {
            for o in n.outputs where !o.isEmpty {
                if defined.contains(o) || producer[o] != nil { throw .duplicateValueName(name: o, node: n.name) }
                producer[o] = i
            }
        }
        var pending = [Int](repeating: 0, count: nodes.count)
        var consumers: [[Int]] = Array(repeating: [], count: nodes.count)
        for (i, n) in nodes.enumerated() {
            for input in Set(n.inputs) where !input.isEmpty && !defined.contains(input) {
                guard let p = producer[input] else { throw .undefinedValue(name: input, node: n.name) }
                pending[i] += 1
                consumers[p].append(i)
            }
        }
        // Kahn's algorithm, taking the lowest index first so a sorted file keeps its order.
        var ready = (0..<nodes.count).filter { pending[$0] == 0 }.reversed() as [Int]
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        while let i = ready.popLast() {
            order.append(i)
            var released: [Int] = []
            for c in consumers[i] {
                pending[c] -= 1
                if pending[c] == 0 { released.append(c) }
            }
            ready.append(contentsOf: released)
            ready.sort(by: >)
        }
        guard order.count == nodes.count else {
            let stuck = nodes.indices.first { pending[$0] > 0 }!
            let input = nodes[stuck].inputs.first { !$0.isEmpty && !defined.contains($0) } ?? "?"
            throw .undefinedValue(name: input, node: nodes[stuck].name)
        }
        return order.map { nodes[$0] }
    }
}
