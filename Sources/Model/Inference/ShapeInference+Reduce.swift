/// Shape rules for Reduce* and ArgMax/ArgMin.
extension ShapeInference {
    /// Axes come from the attribute before opset 13 (ReduceSum) / 18 (the others), from input 1 after.
    static func reduce(_ c: OpContext) throws(ModelError) -> TensorType {
        let x = try c.type(0)
        let axesFromInput = c.opset >= (c.node.opType == "ReduceSum" ? 13 : 18)
        var axes: [Int]
        if axesFromInput {
            axes = c.has(1) ? try c.constInts(1) : []
        } else {
            axes = try c.ints("axes") ?? []
        }
        let keep = try c.int("keepdims", 1) != 0
        if axes.isEmpty {
            if axesFromInput, try c.int("noop_with_empty_axes", 0) != 0 { return x }
            axes = Array(x.shape.indices)
        }
        var reduced = Set<Int>()
        for a in axes { reduced.insert(try c.axis(a, rank: x.shape.count)) }
        var shape: [Int] = []
        for (i, d) in x.shape.enumerated() {
            if reduced.contains(i) { if keep { shape.append(1) } } else { shape.append(d) }
        }
        return TensorType(dtype: x.dtype, shape: shape)
    }

    static func argReduce(_ c: OpContext) throws(ModelError) -> TensorType {
        let x = try c.shape(0)
        let axis = try c.axis(try c.int("axis", 0), rank: x.count)
        var shape = x
        if try c.int("keepdims", 1) != 0 { shape[axis] = 1 } else { shape.remove(at: axis) }
        return TensorType(dtype: .int64, shape: shape)
    }
}
