/// What one operator's shape rule sees: the node, its input types, the inputs
/// that are known constants, and checked accessors that turn bad attributes and
/// shapes into `ModelError` instead of traps.
struct OpContext {
    let node: Node
    let opset: Int
    let inputTypes: [TensorType?]
    let constants: [Tensor?]

    /// Attribute and computed values beyond this magnitude are refused (Slice clamps instead).
    static let maxMagnitude = 1 << 40

    static func inRange(_ v: Int) -> Bool { v >= -maxMagnitude && v <= maxMagnitude }

    func invalid(_ reason: String) -> ModelError { .invalidNode(node: node.name, opType: node.opType, reason: reason) }

    func has(_ i: Int) -> Bool { i < inputTypes.count && inputTypes[i] != nil }

    /// The type of a required input.
    func type(_ i: Int) throws(ModelError) -> TensorType {
        guard i < inputTypes.count, let t = inputTypes[i] else { throw invalid("input \(i) is required") }
        return t
    }

    func shape(_ i: Int) throws(ModelError) -> [Int] { try type(i).shape }

    /// The input's shape with at least `rank` dimensions.
    func shape(_ i: Int, minRank: Int) throws(ModelError) -> [Int] {
        let s = try shape(i)
        guard s.count >= minRank else { throw invalid("input \(i) has rank \(s.count), needs at least \(minRank)") }
        return s
    }

    func int(_ name: String, _ fallback: Int) throws(ModelError) -> Int {
        guard let a = node.attributes[name] else { return fallback }
        guard case .int(let v) = a else { throw invalid("attribute '\(name)' must be an int") }
        guard Self.inRange(v) else { throw invalid("attribute '\(name)' = \(v) is out of range") }
        return v
    }

    func float(_ name: String, _ fallback: Float) throws(ModelError) -> Float {
        guard let a = node.attributes[name] else { return fallback }
        switch a {
        case .float(let v): return v
        case .int(let v): return Float(v)
        default: throw invalid("attribute '\(name)' must be a float")
        }
    }

    func string(_ name: String, _ fallback: String) throws(ModelError) -> String {
        guard let a = node.attributes[name] else { return fallback }
        guard case .string(let v) = a else { throw invalid("attribute '\(name)' must be a string") }
        return v
    }

    /// An ints attribute; `clamp` maps huge values (INT64_MAX as "to the end") into range instead of refusing them.
    func ints(_ name: String, clamp: Bool = false) throws(ModelError) -> [Int]? {
        guard let a = node.attributes[name] else { return nil }
        guard case .ints(let v) = a else {
            if case .int(let single) = a { return try checked([single], name, clamp: clamp) }
            throw invalid("attribute '\(name)' must be a list of ints")
        }
        return try checked(v, name, clamp: clamp)
    }

    func floats(_ name: String) throws(ModelError) -> [Float]? {
        guard let a = node.attributes[name] else { return nil }
        guard case .floats(let v) = a else { throw invalid("attribute '\(name)' must be a list of floats") }
        return v
    }

    private func checked(_ v: [Int], _ name: String, clamp: Bool) throws(ModelError) -> [Int] {
        if clamp { return v.map { max(-Self.maxMagnitude, min(Self.maxMagnitude, $0)) } }
        for x in v where !Self.inRange(x) { throw invalid("attribute '\(name)' has out-of-range value \(x)") }
        return v
    }

    /// The constant integer values of input `i`; throws `dataDependentShape` when it is not a constant.
    func constInts(_ i: Int, clamp: Bool = false) throws(ModelError) -> [Int] {
        guard i < constants.count, let t = constants[i] else {
            throw .dataDependentShape(node: node.name, opType: node.opType, input: i < node.inputs.count ? node.inputs[i] : "#\(i)")
        }
        guard [.int64, .int32, .int16, .int8, .uint8, .bool].contains(t.dtype) else {
            throw invalid("input \(i) must be an integer tensor, is \(t.dtype)")
        }
        return try checked(t.integers(), node.inputs[i], clamp: clamp)
    }

    /// The constant float values of input `i` (fp32/fp64/fp16 constants), for Resize scales.
    func constFloats(_ i: Int) throws(ModelError) -> [Float] {
        guard i < constants.count, let t = constants[i] else {
            throw .dataDependentShape(node: node.name, opType: node.opType, input: i < node.inputs.count ? node.inputs[i] : "#\(i)")
        }
        switch t.dtype {
        case .float32: return t.scalars(as: Float.self)
        case .float64: return t.scalars(as: Double.self).map { Float($0) }
        case .float16: return t.scalars(as: UInt16.self).map { Float(Float16(bitPattern: $0)) }
        default: throw invalid("input \(i) must be a float tensor, is \(t.dtype)")
        }
    }

    /// Whether input `i` is a known constant.
    func isConstant(_ i: Int) -> Bool { i < constants.count && constants[i] != nil }

    /// An axis in [-rank, rank) normalized to [0, rank).
    func axis(_ a: Int, rank: Int) throws(ModelError) -> Int {
        guard a >= -rank, a < max(rank, 1) else { throw invalid("axis \(a) is out of range for rank \(rank)") }
        return a < 0 ? a + rank : a
    }

    func mul(_ a: Int, _ b: Int) throws(ModelError) -> Int {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        guard !o, Self.inRange(r) else { throw invalid("size \(a) x \(b) overflows") }
        return r
    }

    /// Numpy-style multidirectional broadcast of several shapes.
    func broadcast(_ shapes: [[Int]]) throws(ModelError) -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        var out = [Int](repeating: 1, count: rank)
        for s in shapes {
            for (k, d) in s.enumerated() {
                let j = rank - s.count + k
                if out[j] == d || d == 1 { continue }
                guard out[j] == 1 else { throw invalid("shapes \(shapes) do not broadcast") }
                out[j] = d
            }
        }
        return out
    }
}
