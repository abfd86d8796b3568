/// Shape rules for Slice, Pad, Squeeze/Unsqueeze, Range and Resize/Upsample.
extension ShapeInference {
    /// Slice: opset 1-9 attributes, opset 10+ inputs (starts, ends, axes, steps); negative steps walk backwards.
    static func slice(_ c: OpContext) throws(ModelError) -> [Int] {
        let x = try c.shape(0)
        let starts: [Int], ends: [Int], axesGiven: [Int]?, steps: [Int]?
        if c.opset < 10 {
            starts = try c.ints("starts", clamp: true) ?? []
            ends = try c.ints("ends", clamp: true) ?? []
            axesGiven = try c.ints("axes"); steps = nil
        } else {
            starts = try c.constInts(1, clamp: true)
            ends = try c.constInts(2, clamp: true)
            axesGiven = c.has(3) ? try c.constInts(3) : nil
            steps = c.has(4) ? try c.constInts(4, clamp: true) : nil
        }
        let axes = axesGiven ?? Array(0..<starts.count)
        guard starts.count == ends.count, axes.count == starts.count, steps == nil || steps!.count == starts.count else {
            throw c.invalid("starts/ends/axes/steps lengths differ")
        }
        var out = x
        var seen = Set<Int>()
        for k in axes.indices {
            let axis = try c.axis(axes[k], rank: x.count)
            guard seen.insert(axis).inserted else { throw c.invalid("axis \(axis) repeats") }
            out[axis] = try sliceCount(c, dim: x[axis], start: starts[k], end: ends[k], step: steps?[k] ?? 1)
        }
        return out
    }

    static func sliceCount(_ c: OpContext, dim d: Int, start: Int, end: Int, step: Int) throws(ModelError) -> Int {
        guard step != 0 else { throw c.invalid("slice step is 0") }
        var s = start < 0 ? start + d : start
        var e = end < 0 ? end + d : end
        if step > 0 {
            s = max(0, min(d, s)); e = max(0, min(d, e))
            return e > s ? (e - s + step - 1) / step : 0
        }
        s = max(0, min(d - 1, s)); e = max(-1, min(d - 1, e))
        return s > e ? (s - e + (-step) - 1) / (-step) : 0
    }

    static func pad(_ c: OpContext) throws(ModelError) -> [Int] {
        let x = try c.shape(0)
        let pads: [Int]
        if c.opset < 11 {
            let attr = try c.ints("pads")
            pads = attr ?? []
        } else { pads = try c.constInts(1) }
        var axes = Array(x.indices)
        if c.opset >= 18, c.has(3) {
            axes = []
            for a in try c.constInts(3) { axes.append(try c.axis(a, rank: x.count)) }
        }
        guard pads.count == 2 * axes.count else { throw c.invalid("pads has \(pads.count) values, needs \(2 * axes.count)") }
        var out = x
        for (k, axis) in axes.enumerated() {
            out[axis] += pads[k] + pads[k + axes.count]
            guard out[axis] >= 0 else { throw c.invalid("negative pads crop dimension \(axis) below zero") }
        }
        return out
    }

    static func squeeze(_ c: OpContext) throws(ModelError) -> [Int] {
        let x = try c.shape(0)
        let axes: [Int]? = c.opset >= 13 ? (c.has(1) ? try c.constInts(1) : nil) : try c.ints("axes")
        if c.node.opType == "Unsqueeze" {
            guard let axes else { throw c.invalid("axes are required") }
            let rank = x.count + axes.count
            var inserted = Set<Int>()
            for a in axes {
                let axis = try c.axis(a, rank: rank)
                guard inserted.insert(axis).inserted else { throw c.invalid("axes \(axes) repeat") }
            }
            var rest = x.makeIterator()
            return (0..<rank).map { inserted.contains($0) ? 1 : rest.next()! }
        }
        guard let axes else { return x.filter { $0 != 1 } }
        var removed = Set<Int>()
        for a in axes {
            let axis = try c.axis(a, rank: x.count)
            guard x[axis] == 1 else { throw c.invalid("cannot squeeze dimension \(axis) of size \(x[axis])") }
            removed.insert(axis)
        }
        return x.indices.filter { !removed.contains($0) }.map { x[$0] }
    }

    static func range(_ c: OpContext) throws(ModelError) -> TensorType {
        let dtype = try c.type(0).dtype
        var count: Int
        if dtype.isFloatingPoint {
            let start = try c.constFloats(0), limit = try c.constFloats(1), delta = try c.constFloats(2)
            guard start.count == 1, limit.count == 1, delta.count == 1, delta[0] != 0 else { throw c.invalid("start, limit, delta must be scalars, delta non-zero") }
            let n = (Double(limit[0]) - Double(start[0])) / Double(delta[0])
            guard n.isFinite, n < Double(ShapeLimits.maxElements) else { throw c.invalid("range of \(n) elements") }
            count = max(0, Int(n.rounded(.up)))
        } else {
            let start = try c.constInts(0), limit = try c.constInts(1), delta = try c.constInts(2)
            guard start.count == 1, limit.count == 1, delta.count == 1, delta[0] != 0 else { throw c.invalid("start, limit, delta must be scalars, delta non-zero") }
            let span = limit[0] - start[0], step = delta[0]
            count = max(0, span / step + (span % step != 0 && (span > 0) == (step > 0) ? 1 : 0))
        }
        return TensorType(dtype: dtype, shape: [count])
    }

    /// Upsample (scales attribute or input 1) and Resize (opset 10: scales input 1; 11+: sizes input 3 or scales input 2).
    static func resize(_ c: OpContext) throws(ModelError) -> [Int] {
        let x = try c.shape(0)
        var scales: [Float] = []
        var sizes: [Int] = []
        if c.node.opType == "Upsample" {
            if let attr = try c.floats("scales") { scales = attr } else { scales = try c.constFloats(1) }
        } else if c.opset < 11 {
            scales = try c.constFloats(1)
        } else {
            if c.has(3) { sizes = try c.constInts(3) }
            if sizes.isEmpty, c.has(2) { scales = try c.constFloats(2) }
        }
        var axes = Array(x.indices)
        if c.opset >= 18, let given = try c.ints("axes") {
            axes = []
            for a in given { axes.append(try c.axis(a, rank: x.count)) }
        }
        var out = x
        if !sizes.isEmpty {
            guard sizes.count == axes.count, sizes.allSatisfy({ $0 >= 0 }) else { throw c.invalid("sizes \(sizes) must have \(axes.count) non-negative values") }
            let policy = try c.string("keep_aspect_ratio_policy", "stretch")
            if policy == "stretch" {
                for (k, a) in axes.enumerated() { out[a] = sizes[k] }
                return out
            }
            let ratios = axes.enumerated().map { Double(sizes[$0.offset]) / Double(max(x[$0.element], 1)) }
            let scale = policy == "not_larger" ? ratios.min() ?? 1 : ratios.max() ?? 1
            scales = axes.map { _ in Float(scale) }
        }
        guard scales.count == axes.count else { throw c.invalid("scales has \(scales.count) values, needs \(axes.count) (or give sizes)") }
        for (k, a) in axes.enumerated() {
            let v = (Double(x[a]) * Double(scales[k])).rounded(.down)
            guard v.isFinite, v >= 0, v <= Double(ShapeLimits.maxElements) else { throw c.invalid("scale \(scales[k]) gives an invalid size") }
            out[a] = Int(v)
        }
        return out
    }
}
