/// Shape rules for operators that move data or make shapes: Reshape, Slice, Concat, Shape, Resize, ...
extension ShapeInference {
    static func shapeOp(_ c: OpContext) throws(ModelError) -> [TensorType] {
        switch c.node.opType {
        case "Reshape": return [TensorType(dtype: try c.type(0).dtype, shape: try reshape(c))]
        case "Flatten":
            let x = try c.type(0)
            // Flatten's axis may equal the rank (everything in the outer factor); negatives count from the rank.
            let given = try c.int("axis", 1), rank = x.shape.count
            guard given >= -rank, given <= rank else { throw c.invalid("axis \(given) is out of range for rank \(rank)") }
            let axis = given < 0 ? given + rank : given
            let outer = try ShapeLimits.checkedCount(Array(x.shape[..<axis]), value: c.node.name)
            let inner = try ShapeLimits.checkedCount(Array(x.shape[axis...]), value: c.node.name)
            return [TensorType(dtype: x.dtype, shape: [outer, inner])]
        case "Transpose":
            let x = try c.type(0)
            let perm = try c.ints("perm") ?? Array(x.shape.indices.reversed())
            guard perm.sorted() == Array(x.shape.indices) else { throw c.invalid("perm \(perm) is not a permutation of rank \(x.shape.count)") }
            return [TensorType(dtype: x.dtype, shape: perm.map { x.shape[$0] })]
        case "Concat":
            var shapes: [[Int]] = []
            for i in c.inputTypes.indices where c.has(i) { shapes.append(try c.shape(i)) }
            return [TensorType(dtype: try c.type(0).dtype, shape: try concatShape(c, shapes))]
        case "Split": return try split(c)
        case "Slice": return [TensorType(dtype: try c.type(0).dtype, shape: try slice(c))]
        case "Pad": return [TensorType(dtype: try c.type(0).dtype, shape: try pad(c))]
        case "Squeeze", "Unsqueeze": return [TensorType(dtype: try c.type(0).dtype, shape: try squeeze(c))]
        case "Tile":
            let x = try c.type(0)
            let repeats = try c.constInts(1)
            guard repeats.count == x.shape.count, repeats.allSatisfy({ $0 >= 0 }) else { throw c.invalid("repeats \(repeats) must have one value >= 0 per dimension") }
            var shape: [Int] = []
            for (d, r) in zip(x.shape, repeats) { shape.append(try c.mul(d, r)) }
            return [TensorType(dtype: x.dtype, shape: shape)]
        case "Gather":
            let x = try c.type(0)
            let axis = try c.axis(try c.int("axis", 0), rank: x.shape.count)
            let indices = try c.shape(1)
            return [TensorType(dtype: x.dtype, shape: Array(x.shape[..<axis]) + indices + Array(x.shape[(axis + 1)...]))]
        case "Expand":
            let x = try c.type(0)
            let target = try c.constInts(1)
            guard target.allSatisfy({ $0 >= 0 }) else { throw c.invalid("shape \(target) has a negative dimension") }
            return [TensorType(dtype: x.dtype, shape: try c.broadcast([x.shape, target]))]
        case "Shape":
            let rank = try c.shape(0).count
            let (start, end) = try shapeRange(c, rank: rank)
            return [TensorType(dtype: .int64, shape: [max(0, end - start)])]
        case "Size": _ = try c.type(0); return [TensorType(dtype: .int64, shape: [])]
        case "Constant": return [try constantType(c)]
        case "ConstantOfShape":
            let shape = try c.constInts(0)
            guard shape.allSatisfy({ $0 >= 0 }) else { throw c.invalid("shape \(shape) has a negative dimension") }
            var dtype = DType.float32
            if case .tensor(let t)? = c.node.attributes["value"] { dtype = t.dtype }
            return [TensorType(dtype: dtype, shape: shape)]
        case "Range": return [try range(c)]
        case "Upsample", "Resize": return [TensorType(dtype: try c.type(0).dtype, shape: try resize(c))]
        case "DepthToSpace", "SpaceToDepth":
            let x = try c.type(0)
            guard x.shape.count == 4 else { throw c.invalid("input must be 4-D") }
            let b = try c.int("blocksize", 0)
            guard b >= 1 else { throw c.invalid("blocksize must be >= 1") }
            let bb = try c.mul(b, b)
            let (n, ch, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            if c.node.opType == "DepthToSpace" {
                guard ch % bb == 0 else { throw c.invalid("channels \(ch) not divisible by blocksize² \(bb)") }
                return [TensorType(dtype: x.dtype, shape: [n, ch / bb, try c.mul(h, b), try c.mul(w, b)])]
            }
            guard h % b == 0, w % b == 0 else { throw c.invalid("height/width \(h)x\(w) not divisible by blocksize \(b)") }
            return [TensorType(dtype: x.dtype, shape: [n, try c.mul(ch, bb), h / b, w / b])]
        default:
            throw .unsupportedOperator(node: c.node.name, opType: c.node.opType, domain: c.node.domain)
        }
    }

    static func concatShape(_ c: OpContext, _ shapes: [[Int]]) throws(ModelError) -> [Int] {
        guard let first = shapes.first else { throw c.invalid("needs at least one input") }
        // Concat's axis is required from opset 4; before that it defaulted to 1.
        guard c.node.attributes["axis"] != nil || c.opset < 4 else { throw c.invalid("attribute 'axis' is required") }
        let axis = try c.axis(try c.int("axis", 1), rank: first.count)
        var out = first
        for s in shapes.dropFirst() {
            guard s.count == first.count, s.indices.allSatisfy({ $0 == axis || s[$0] == first[$0] }) else {
                throw c.invalid("inputs \(shapes) differ outside axis \(axis)")
            }
            out[axis] += s[axis]
        }
        return out
    }

    /// Reshape's target: 0 copies the input dimension (unless allowzero), one -1 is inferred.
    static func reshape(_ c: OpContext) throws(ModelError) -> [Int] {
        let x = try c.shape(0)
        let target = c.opset < 5 ? (try c.ints("shape") ?? []) : try c.constInts(1)
        let allowZero = try c.int("allowzero", 0) != 0
        let total = try ShapeLimits.checkedCount(x, value: c.node.inputs[0])
        var out: [Int] = []
        var inferred: Int? = nil
        for (i, d) in target.enumerated() {
            switch d {
            case 0 where !allowZero:
                guard i < x.count else { throw c.invalid("shape \(target) copies dimension \(i), input has rank \(x.count)") }
                out.append(x[i])
            case -1:
                guard inferred == nil else { throw c.invalid("shape \(target) has more than one -1") }
                inferred = i; out.append(1)
            case let v where v >= 0: out.append(v)
            default: throw c.invalid("shape \(target) has invalid dimension \(d)")
            }
        }
        let known = try ShapeLimits.checkedCount(out, value: c.node.name)
        if let i = inferred {
            guard known > 0, total % known == 0 else { throw c.invalid("cannot reshape \(x) to \(target)") }
            out[i] = total / known
        } else if known != total {
            throw c.invalid("cannot reshape \(x) (\(total) elements) to \(target)")
        }
        return out
    }

    static func split(_ c: OpContext) throws(ModelError) -> [TensorType] {
        let x = try c.type(0)
        let axis = try c.axis(try c.int("axis", 0), rank: x.shape.count)
        let dim = x.shape[axis]
        var parts: [Int]
        if c.opset >= 13, c.has(1) { parts = try c.constInts(1) } else if let s = try c.ints("split") { parts = s } else {
            let n = c.opset >= 18 ? try c.int("num_outputs", c.node.outputs.count) : c.node.outputs.count
            guard n >= 1 else { throw c.invalid("needs at least one output") }
            // Equal chunks of ceil(dim / n); the last one may be smaller (opset 18 rule).
            let chunk = (dim + n - 1) / n
            parts = (0..<n).map { max(0, min(chunk, dim - $0 * chunk)) }
            if c.opset < 18, dim % n != 0 { throw c.invalid("dimension \(dim) does not split evenly into \(n) outputs") }
        }
        guard parts.allSatisfy({ $0 >= 0 }), parts.reduce(0, +) == dim else { throw c.invalid("split \(parts) does not sum to \(dim)") }
        return parts.map { p in var s = x.shape; s[axis] = p; return TensorType(dtype: x.dtype, shape: s) }
    }

    /// Shape's optional start/end (opset 15), clamped like Python slicing.
    static func shapeRange(_ c: OpContext, rank: Int) throws(ModelError) -> (Int, Int) {
        func clamp(_ v: Int) -> Int { let w = v < 0 ? v + rank : v; return max(0, min(rank, w)) }
        return (clamp(try c.int("start", 0)), clamp(try c.int("end", rank)))
    }

    static func constantType(_ c: OpContext) throws(ModelError) -> TensorType {
        guard let (name, value) = c.node.attributes.first else { throw c.invalid("has no value attribute") }
        switch (name, value) {
        case ("value", .tensor(let t)): return TensorType(dtype: t.dtype, shape: t.shape)
        case ("value_float", .float): return TensorType(dtype: .float32, shape: [])
        case ("value_floats", .floats(let v)): return TensorType(dtype: .float32, shape: [v.count])
        case ("value_int", .int): return TensorType(dtype: .int64, shape: [])
        case ("value_ints", .ints(let v)): return TensorType(dtype: .int64, shape: [v.count])
        default: throw c.invalid("value attribute '\(name)' is not supported (sparse and string constants are not)")
        }
    }
}
