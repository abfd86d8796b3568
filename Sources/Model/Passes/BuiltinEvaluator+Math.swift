/// Slice and broadcasting arithmetic for the built-in evaluator.
extension BuiltinEvaluator {
    static func slice(_ node: Node, inputs: [Tensor?], out: TensorType, opset: Int, fail: (String) -> ModelError) throws(ModelError) -> Tensor {
        guard let x = inputs.first ?? nil else { throw fail("input 0 is not a constant") }
        func ints(_ i: Int) -> [Int]? {
            guard i < inputs.count, let t = inputs[i] else { return nil }
            return (0..<t.elementCount).map { Int(TensorElements.int(t, $0)) }
        }
        func attr(_ name: String) -> [Int]? { if case .ints(let v)? = node.attributes[name] { v } else { nil } }
        let starts = (opset < 10 ? attr("starts") : ints(1)) ?? []
        let ends = (opset < 10 ? attr("ends") : ints(2)) ?? []
        let axes = (opset < 10 ? attr("axes") : ints(3)) ?? Array(0..<starts.count)
        let steps = (opset < 10 ? nil : ints(4)) ?? Array(repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else { throw fail("lengths differ") }
        let rank = x.shape.count
        var first = [Int](repeating: 0, count: rank)
        var step = [Int](repeating: 1, count: rank)
        for k in axes.indices {
            let a = axes[k] < 0 ? axes[k] + rank : axes[k]
            guard a >= 0, a < rank, steps[k] != 0 else { throw fail("bad axis or step") }
            let d = x.shape[a]
            let s = max(-(1 << 40), min(1 << 40, starts[k]))
            let start = s < 0 ? s + d : s
            first[a] = steps[k] > 0 ? max(0, min(d, start)) : max(0, min(d - 1, start))
            step[a] = steps[k]
        }
        let result = Tensor(dtype: out.dtype, shape: out.shape)
        let size = out.dtype.bitWidth / 8
        let inStrides = TensorElements.strides(x.shape)
        let outStrides = TensorElements.strides(out.shape)
        for flat in 0..<result.elementCount {
            var rem = flat, src = 0
            for d in 0..<rank {
                let coord = rem / outStrides[d]; rem %= outStrides[d]
                src += (first[d] + coord * step[d]) * inStrides[d]
            }
            guard src >= 0, src < x.elementCount else { throw fail("index out of range") }
            (result.storage.bytes + flat * size).copyMemory(from: x.storage.bytes + src * size, byteCount: size)
        }
        return result
    }

    static func arithmetic(_ op: String, _ a: Tensor, _ b: Tensor, out: TensorType, fail: (String) -> ModelError) throws(ModelError) -> Tensor {
        guard a.dtype == b.dtype, a.dtype == out.dtype else { throw fail("dtypes differ") }
        let result = Tensor(dtype: out.dtype, shape: out.shape)
        let ia = TensorElements.broadcastIndices(from: a.shape, to: out.shape)
        let ib = TensorElements.broadcastIndices(from: b.shape, to: out.shape)
        for i in 0..<result.elementCount {
            if out.dtype.isFloatingPoint {
                let x = TensorElements.double(a, ia[i]), y = TensorElements.double(b, ib[i])
                let v: Double = switch op { case "Add": x + y; case "Sub": x - y; case "Mul": x * y; default: x / y }
                TensorElements.setDouble(result, i, v)
            } else {
                let x = TensorElements.int(a, ia[i]), y = TensorElements.int(b, ib[i])
                let v: Int64
                switch op {
                case "Add": v = x &+ y
                case "Sub": v = x &- y
                case "Mul": v = x &* y
                default:
                    guard y != 0 else { throw fail("integer division by zero") }
                    v = x.dividedReportingOverflow(by: y).partialValue
                }
                TensorElements.setInt(result, i, v)
            }
        }
        return result
    }
}
