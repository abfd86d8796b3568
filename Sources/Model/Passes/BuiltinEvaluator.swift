/// Model's own evaluator for the shape-computing operators that constant
/// folding meets most (Shape → Gather → Unsqueeze → Concat → Reshape chains):
/// data movement for any byte-sized dtype, arithmetic on int/float tensors.
/// Everything else goes to the Runtime's `ConstantEvaluator`.
enum BuiltinEvaluator {
    static let operators: Set<String> = [
        "Shape", "Size", "Constant", "ConstantOfShape", "Identity", "Cast", "Reshape", "Squeeze", "Unsqueeze",
        "Flatten", "Concat", "Gather", "Slice", "Range", "Add", "Sub", "Mul", "Div",
    ]

    /// The outputs of `node`, or nil when the node is not one this evaluator handles.
    /// `outputTypes` are the types shape inference gave the outputs.
    static func evaluate(node: Node, inputs: [Tensor?], inputTypes: [TensorType?], outputTypes: [TensorType], opset: Int) throws(ModelError) -> [Tensor]? {
        guard node.domain.isEmpty, operators.contains(node.opType), let out = outputTypes.first else { return nil }
        // int4 and strings are not byte-addressable elements; leave them to the runtime.
        guard out.dtype.bitWidth >= 8, inputs.allSatisfy({ $0 == nil || $0!.dtype.bitWidth >= 8 }) else { return nil }
        func fail(_ reason: String) -> ModelError { .evaluationFailed(node: node.name, opType: node.opType, reason: reason) }
        func input(_ i: Int) throws(ModelError) -> Tensor {
            guard i < inputs.count, let t = inputs[i] else { throw fail("input \(i) is not a constant") }
            return t
        }
        switch node.opType {
        case "Shape":
            guard let shape = inputTypes.first??.shape else { return nil }
            let rank = shape.count
            func clamp(_ v: Int) -> Int { let w = v < 0 ? v + rank : v; return max(0, min(rank, w)) }
            var start = 0, end = rank
            if case .int(let s)? = node.attributes["start"] { start = clamp(s) }
            if case .int(let e)? = node.attributes["end"] { end = clamp(e) }
            let dims = start < end ? shape[start..<end].map { Int64($0) } : []
            return [Tensor(dtype: .int64, shape: [dims.count], values: dims)]
        case "Size":
            guard let shape = inputTypes.first??.shape else { return nil }
            return [Tensor(dtype: .int64, shape: [], values: [Int64(shape.reduce(1, *))])]
        case "Constant":
            return [try constant(node, fail: fail)]
        case "ConstantOfShape":
            let result = Tensor(dtype: out.dtype, shape: out.shape)
            if case .tensor(let v)? = node.attributes["value"], v.elementCount == 1, v.dtype == out.dtype {
                let size = out.dtype.bitWidth / 8
                for i in 0..<result.elementCount { (result.storage.bytes + i * size).copyMemory(from: v.storage.bytes, byteCount: size) }
            }
            return [result]
        case "Identity", "Reshape", "Squeeze", "Unsqueeze", "Flatten":
            let x = try input(0)
            guard x.elementCount == out.elementCount, x.dtype == out.dtype else { throw fail("element count changes") }
            return [copy(x, shape: out.shape)]
        case "Cast":
            let x = try input(0)
            let result = Tensor(dtype: out.dtype, shape: out.shape)
            for i in 0..<x.elementCount {
                if out.dtype.isFloatingPoint || x.dtype.isFloatingPoint {
                    TensorElements.setDouble(result, i, TensorElements.double(x, i))
                } else {
                    TensorElements.setInt(result, i, TensorElements.int(x, i))
                }
            }
            return [result]
        case "Concat":
            var parts: [Tensor] = []
            for i in inputs.indices where i < node.inputs.count && !node.inputs[i].isEmpty { parts.append(try input(i)) }
            return [try concat(parts, out: out, node: node, fail: fail)]
        case "Gather": return [try gather(try input(0), try input(1), out: out, node: node, fail: fail)]
        case "Slice": return [try slice(node, inputs: inputs, out: out, opset: opset, fail: fail)]
        case "Range":
            let start = try input(0), delta = try input(2)
            let result = Tensor(dtype: out.dtype, shape: out.shape)
            for i in 0..<result.elementCount {
                if out.dtype.isFloatingPoint {
                    TensorElements.setDouble(result, i, TensorElements.double(start, 0) + Double(i) * TensorElements.double(delta, 0))
                } else {
                    TensorElements.setInt(result, i, TensorElements.int(start, 0) &+ Int64(i) &* TensorElements.int(delta, 0))
                }
            }
            return [result]
        case "Add", "Sub", "Mul", "Div":
            return [try arithmetic(node.opType, try input(0), try input(1), out: out, fail: fail)]
        default:
            return nil
        }
    }

    static func copy(_ x: Tensor, shape: [Int]) -> Tensor {
        let result = Tensor(dtype: x.dtype, shape: shape)
        result.storage.bytes.copyMemory(from: x.storage.bytes, byteCount: x.byteCount)
        return result
    }

    static func constant(_ node: Node, fail: (String) -> ModelError) throws(ModelError) -> Tensor {
        switch node.attributes.first {
        case ("value", .tensor(let t))?: return t
        case ("value_float", .float(let v))?: return Tensor(dtype: .float32, shape: [], values: [v])
        case ("value_floats", .floats(let v))?: return Tensor(dtype: .float32, shape: [v.count], values: v)
        case ("value_int", .int(let v))?: return Tensor(dtype: .int64, shape: [], values: [Int64(v)])
        case ("value_ints", .ints(let v))?: return Tensor(dtype: .int64, shape: [v.count], values: v.map { Int64($0) })
        default: throw fail("unsupported value attribute")
        }
    }

    static func concat(_ parts: [Tensor], out: TensorType, node: Node, fail: (String) -> ModelError) throws(ModelError) -> Tensor {
        guard case .int(let a)? = node.attributes["axis"] ?? .int(1) else { throw fail("axis is not an int") }
        let rank = out.shape.count
        let axis = a < 0 ? a + rank : a
        guard axis >= 0, axis < rank else { throw fail("axis \(a) out of range") }
        let size = out.dtype.bitWidth / 8
        let outer = out.shape[..<axis].reduce(1, *)
        let result = Tensor(dtype: out.dtype, shape: out.shape)
        var offset = 0
        for o in 0..<outer {
            for p in parts {
                guard p.shape.count == rank else { throw fail("rank mismatch") }
                let block = p.shape[axis...].reduce(1, *) * size
                (result.storage.bytes + offset).copyMemory(from: p.storage.bytes + o * block, byteCount: block)
                offset += block
            }
        }
        return result
    }

    static func gather(_ data: Tensor, _ indices: Tensor, out: TensorType, node: Node, fail: (String) -> ModelError) throws(ModelError) -> Tensor {
        var axis = 0
        if case .int(let a)? = node.attributes["axis"] { axis = a < 0 ? a + data.shape.count : a }
        guard axis >= 0, axis < data.shape.count, indices.dtype == .int64 || indices.dtype == .int32 else { throw fail("bad axis or index type") }
        let size = data.dtype.bitWidth / 8
        let dim = data.shape[axis]
        let outer = data.shape[..<axis].reduce(1, *)
        let inner = data.shape[(axis + 1)...].reduce(1, *) * size
        let result = Tensor(dtype: out.dtype, shape: out.shape)
        var offset = 0
        for o in 0..<outer {
            for k in 0..<indices.elementCount {
                var idx = Int(TensorElements.int(indices, k))
                if idx < 0 { idx += dim }
                guard idx >= 0, idx < dim else { throw fail("index \(TensorElements.int(indices, k)) out of range for dimension \(dim)") }
                (result.storage.bytes + offset).copyMemory(from: data.storage.bytes + (o * dim + idx) * inner, byteCount: inner)
                offset += inner
            }
        }
        return result
    }
}
