import Model

// Attribute and shape helpers shared by the operator kernels' factories. Everything
// here runs at prepare time and may throw; nothing here is called from `run`.

extension KernelSignature {
    /// Integer attribute `name`, or `default` when absent.
    func int(_ name: String, _ default: Int) throws(KernelError) -> Int {
        switch node.attributes[name] {
        case nil: return `default`
        case let .int(v)?: return v
        default: throw invalid(name, "must be an integer")
        }
    }

    /// Optional integer attribute.
    func int(_ name: String) throws(KernelError) -> Int? {
        switch node.attributes[name] {
        case nil: return nil
        case let .int(v)?: return v
        default: throw invalid(name, "must be an integer")
        }
    }

    /// Float attribute `name`, or `default` when absent (an int attribute is accepted).
    func float(_ name: String, _ default: Float) throws(KernelError) -> Float {
        switch node.attributes[name] {
        case nil: return `default`
        case let .float(v)?: return v
        case let .int(v)?: return Float(v)
        default: throw invalid(name, "must be a float")
        }
    }

    /// Optional integer-list attribute.
    func ints(_ name: String) throws(KernelError) -> [Int]? {
        switch node.attributes[name] {
        case nil: return nil
        case let .ints(v)?: return v
        case let .int(v)?: return [v]
        default: throw invalid(name, "must be a list of integers")
        }
    }

    /// Optional float-list attribute.
    func floats(_ name: String) throws(KernelError) -> [Float]? {
        switch node.attributes[name] {
        case nil: return nil
        case let .floats(v)?: return v
        case let .float(v)?: return [v]
        default: throw invalid(name, "must be a list of floats")
        }
    }

    /// String attribute `name`, or `default` when absent.
    func string(_ name: String, _ default: String) throws(KernelError) -> String {
        switch node.attributes[name] {
        case nil: return `default`
        case let .string(v)?: return v
        default: throw invalid(name, "must be a string")
        }
    }

    /// Whether input `i` is present (not omitted).
    func hasInput(_ i: Int) -> Bool { i < inputTypes.count && inputTypes[i] != nil }

    /// The constant value of input `i` as integers, or nil when the input is absent.
    /// Throws when the input is present but computed at run time: the operator needs it
    /// while preparing (shape-like inputs such as Slice's starts).
    func constantInts(_ i: Int, _ what: String) throws(KernelError) -> [Int]? {
        guard hasInput(i) else { return nil }
        guard i < constants.count, let t = constants[i] else {
            throw shape("input \(i) (\(what)) must be a constant; fold the subgraph that computes it first")
        }
        guard t.dtype.isInteger || t.dtype == .bool else { throw shape("input \(i) (\(what)) must be an integer tensor, not \(t.dtype)") }
        return t.integers()
    }

    /// The constant value of input `i` as floats (float32/float64), or nil when absent or not constant.
    func constantFloats(_ i: Int) -> [Float]? {
        guard hasInput(i), i < constants.count, let t = constants[i] else { return nil }
        switch t.dtype {
        case .float32: return t.scalars(as: Float.self)
        case .float64: return t.scalars(as: Double.self).map { Float($0) }
        default: return t.dtype.isInteger ? t.integers().map { Float($0) } : nil
        }
    }

    /// Output `i`'s type, or a typed error naming the node.
    func outputType(_ i: Int) throws(KernelError) -> TensorType {
        guard i < outputTypes.count else { throw shape("output \(i) is missing") }
        return outputTypes[i]
    }

    /// Normalizes a possibly negative axis against `rank`.
    func axis(_ a: Int, rank: Int, name: String = "axis") throws(KernelError) -> Int {
        let r = a < 0 ? a + rank : a
        guard r >= 0, r < max(rank, 1) else { throw invalid(name, "value \(a) is out of range for a tensor of rank \(rank)") }
        return r
    }

    /// A typed attribute error naming this node.
    func invalid(_ attribute: String, _ reason: String) -> KernelError {
        .invalidAttribute(node: node.name, opType: node.opType, attribute: attribute, reason: reason)
    }

    /// A typed shape error naming this node.
    func shape(_ reason: String) -> KernelError {
        .shapeMismatch(node: node.name, opType: node.opType, reason: reason)
    }

    /// An unsupported-dtype error naming this node.
    func unsupported(_ dtype: DType) -> KernelError {
        .unsupportedDType(node: node.name, opType: node.opType, dtype: dtype)
    }

    /// Checks that output `i` has the element count `count`.
    func expectOutput(_ i: Int, count: Int) throws(KernelError) {
        let t = try outputType(i)
        guard t.elementCount == count else {
            throw shape("output \(i) has \(t.elementCount) elements (shape \(t.shape)), expected \(count)")
        }
    }
}

/// Row-major strides of `shape`, in elements.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) { strides[d] = s; s *= shape[d] }
    return strides
}

/// Number of elements in `shape` (1 for a scalar).
func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

/// Splits `count` items into at most `pool.threadCount` chunks of at least `grain` items
/// and runs `body(range)` for each; serial when the work is small (no pool hop).
@inline(__always)
func parallelChunks(_ pool: ThreadPool, count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    let chunks = min(pool.threadCount, max(1, count / max(grain, 1)))
    if chunks <= 1 { body(0..<count); return }
    let per = (count + chunks - 1) / chunks
    pool.parallelFor(chunks) { c in
        let lo = c * per, hi = min(count, lo + per)
        if lo < hi { body(lo..<hi) }
    }
}
