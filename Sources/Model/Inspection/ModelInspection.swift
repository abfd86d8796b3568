/// What `picojoule inspect` prints about a graph: operators, parameters, sparsity, inputs and outputs.
/// MACs and the activation arena come from the Runtime, not from here.
public struct ModelInspection: Sendable {
    /// Parameter totals for one dtype.
    public struct Parameters: Sendable, Hashable {
        public var count: Int
        public var bytes: Int
        public init(count: Int, bytes: Int) { self.count = count; self.bytes = bytes }
    }

    /// Fraction of exact zeros in one weight tensor.
    public struct TensorSparsity: Sendable, Hashable {
        public var name: String
        public var elements: Int
        public var zeros: Int
        public var fraction: Double { elements == 0 ? 0 : Double(zeros) / Double(elements) }
    }

    /// Node count per operator ("com.microsoft.QGemm" for non-default domains).
    public var operatorHistogram: [String: Int]
    /// Initializer element counts and bytes by dtype.
    public var parametersByDType: [DType: Parameters]
    /// Sparsity of each float or integer initializer, largest first.
    public var sparsity: [TensorSparsity]
    /// The graph's real inputs and its outputs with declared (symbolic) and bound shapes.
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]

    /// All parameters.
    public var parameterCount: Int { parametersByDType.values.reduce(0) { $0 + $1.count } }
    public var parameterBytes: Int { parametersByDType.values.reduce(0) { $0 + $1.bytes } }
    /// Fraction of exact zeros over all float/integer weights.
    public var overallSparsity: Double {
        let total = sparsity.reduce(0) { $0 + $1.elements }
        return total == 0 ? 0 : Double(sparsity.reduce(0) { $0 + $1.zeros }) / Double(total)
    }

    /// Computes the inspection of `graph` (reads every initializer once).
    public init(graph: Graph) {
        var histogram: [String: Int] = [:]
        for n in graph.nodes { histogram[n.domain.isEmpty ? n.opType : "\(n.domain).\(n.opType)", default: 0] += 1 }
        operatorHistogram = histogram
        var params: [DType: Parameters] = [:]
        var sparse: [TensorSparsity] = []
        for (name, t) in graph.initializers {
            params[t.dtype, default: Parameters(count: 0, bytes: 0)].count += t.elementCount
            params[t.dtype, default: Parameters(count: 0, bytes: 0)].bytes += t.byteCount
            if t.dtype != .string && t.dtype != .bool {
                sparse.append(TensorSparsity(name: name, elements: t.elementCount, zeros: Self.zeros(t)))
            }
        }
        parametersByDType = params
        sparsity = sparse.sorted { ($0.elements, $1.name) > ($1.elements, $0.name) }
        inputs = graph.inputs
        outputs = graph.outputs
    }

    /// Exact zeros: for floats both +0 and −0; for int4 each nibble; for zero-point-free integers the value 0.
    static func zeros(_ t: Tensor) -> Int {
        let p = t.storage.bytes
        var z = 0
        switch t.dtype {
        case .int4, .uint4:
            for i in 0..<t.elementCount {
                let byte = p.load(fromByteOffset: i / 2, as: UInt8.self)
                if (i % 2 == 0 ? byte & 0x0f : byte >> 4) == 0 { z += 1 }
            }
        case .float32:
            for i in 0..<t.elementCount where p.load(fromByteOffset: i * 4, as: UInt32.self) & 0x7fff_ffff == 0 { z += 1 }
        case .float16, .bfloat16:
            for i in 0..<t.elementCount where p.load(fromByteOffset: i * 2, as: UInt16.self) & 0x7fff == 0 { z += 1 }
        case .float64:
            for i in 0..<t.elementCount where p.load(fromByteOffset: i * 8, as: UInt64.self) & 0x7fff_ffff_ffff_ffff == 0 { z += 1 }
        default:
            let size = t.dtype.bitWidth / 8
            for i in 0..<t.elementCount {
                var allZero = true
                for b in 0..<size where p.load(fromByteOffset: i * size + b, as: UInt8.self) != 0 { allZero = false; break }
                if allZero { z += 1 }
            }
        }
        return z
    }
}
