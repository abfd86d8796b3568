import Device
import Foundation
import Model
import Runtime

/// What `picojoule inspect` and the daemon's upload inspection report about a
/// model: the file's contents (from `ModelInspection`) plus what the runtime
/// derives once it is compiled (MACs by dtype, the planned arena).
public struct ModelReport: Sendable, Codable {
    public struct Value: Sendable, Codable {
        public var name: String
        public var dtype: DType
        /// Declared dimensions; symbolic ones keep their name ("batch").
        public var declaredShape: [String]
        public var shape: [Int]
    }
    public struct DTypeParameters: Sendable, Codable {
        public var dtype: DType
        public var count: Int
        public var bytes: Int
    }

    public var name: String
    public var sha256: String
    public var fileBytes: Int
    public var producer: String
    public var opset: Int
    public var inputs: [Value]
    public var outputs: [Value]
    public var operators: [String: Int]
    /// Nodes executed after the passes (constant folding, BN folding).
    public var executedNodes: Int
    public var parameters: [DTypeParameters]
    public var parameterCount: Int
    public var parameterBytes: Int
    /// Fraction of exact zeros over all weights.
    public var sparsity: Double
    /// Exact MACs per inference by dtype (docs/COUNTING.md).
    public var macs: [DType: Int64]
    public var totalMACs: Int64
    public var memory: MemoryPlanSummary

    public init(prepared: ModelRunner.Prepared) {
        let loaded = prepared.loaded
        let inspection = ModelInspection(graph: loaded.graph)
        name = loaded.graph.name
        sha256 = loaded.sha256
        fileBytes = loaded.fileBytes
        producer = loaded.producer
        opset = loaded.graph.opset
        func value(_ v: ValueInfo) -> Value {
            Value(name: v.name, dtype: v.type.dtype,
                  declaredShape: v.declaredShape.map { if case .symbolic(let s) = $0 { s } else if case .fixed(let n) = $0 { String(n) } else { "?" } },
                  shape: v.type.shape)
        }
        inputs = inspection.inputs.map(value)
        outputs = inspection.outputs.map(value)
        operators = inspection.operatorHistogram
        executedNodes = prepared.session.nodeCounts.count
        parameters = inspection.parametersByDType.map { DTypeParameters(dtype: $0.key, count: $0.value.count, bytes: $0.value.bytes) }
            .sorted { $0.bytes > $1.bytes }
        parameterCount = inspection.parameterCount
        parameterBytes = inspection.parameterBytes
        sparsity = inspection.overallSparsity
        var macs: [DType: Int64] = [:]
        for node in prepared.session.nodeCounts { for (d, n) in node.macs { macs[d, default: 0] += n } }
        self.macs = macs
        totalMACs = macs.values.reduce(0, +)
        memory = prepared.session.memoryPlan
    }

    /// Loads and compiles `path` (single-threaded) and reports on it.
    public static func make(path: String, symbolicDimensions: [String: Int] = [:]) throws -> ModelReport {
        ModelReport(prepared: try ModelRunner.prepareModel(path: path, loadOptions: LoadOptions(symbolicDimensions: symbolicDimensions)))
    }
}

extension ModelReport {
    /// The human-readable form; `against` adds size ratios (e.g. int8 vs its fp32 original).
    public func text(against other: ModelReport? = nil) -> String {
        var out: [String] = []
        out.append("\(name.isEmpty ? "model" : name)  sha256 \(sha256.prefix(12))…  \(Quantity.formatBytes(fileBytes)) on disk  opset \(opset)  producer \(producer.isEmpty ? "?" : producer)")
        out.append("inputs:")
        for v in inputs { out.append("  \(v.name)  \(v.dtype)  [\(v.declaredShape.joined(separator: ", "))] → \(v.shape)") }
        out.append("outputs:")
        for v in outputs { out.append("  \(v.name)  \(v.dtype)  \(v.shape)") }
        out.append("operators (\(operators.values.reduce(0, +)) nodes in the file, \(executedNodes) executed after folding):")
        for (op, n) in operators.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) { out.append("  \(op.padding(toLength: 28, withPad: " ", startingAt: 0)) \(n)") }
        out.append("parameters: \(parameterCount) (\(Quantity.formatBytes(parameterBytes))), sparsity \(String(format: "%.1f", sparsity * 100)) % zeros")
        for p in parameters { out.append("  \(p.dtype.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(p.count) params  \(Quantity.formatBytes(p.bytes))") }
        out.append("MACs per inference: \(totalMACs)" + (macs.count > 1 || macs.keys.first != nil ? "  (" + macs.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")" : ""))
        out.append("memory plan: arena \(Quantity.formatBytes(memory.arenaBytes)) (lower bound \(Quantity.formatBytes(memory.lowerBoundBytes))), weights as held \(Quantity.formatBytes(memory.weightBytes)), in file \(Quantity.formatBytes(memory.modelWeightBytes)), I/O \(Quantity.formatBytes(memory.ioBytes)), scratch \(Quantity.formatBytes(memory.scratchBytes))")
        if let other {
            func ratio(_ a: Int, _ b: Int) -> String { b == 0 ? "n/a" : String(format: "%.2f×", Double(a) / Double(b)) }
            out.append("against \(other.name.isEmpty ? "model" : other.name) (\(other.sha256.prefix(12))…):")
            out.append("  file size        \(Quantity.formatBytes(fileBytes)) vs \(Quantity.formatBytes(other.fileBytes))  = \(ratio(fileBytes, other.fileBytes))")
            out.append("  parameter bytes  \(Quantity.formatBytes(parameterBytes)) vs \(Quantity.formatBytes(other.parameterBytes))  = \(ratio(parameterBytes, other.parameterBytes))")
            out.append("  arena            \(Quantity.formatBytes(memory.arenaBytes)) vs \(Quantity.formatBytes(other.memory.arenaBytes))  = \(ratio(memory.arenaBytes, other.memory.arenaBytes))")
        }
        return out.joined(separator: "\n")
    }
}
