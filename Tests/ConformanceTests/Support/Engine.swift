import Foundation
import Model
import Runtime

/// The one place the conformance tests touch Picojoule's loading and running API:
/// load → optimize (constant and BatchNorm folding) → infer shapes → session, the
/// pipeline `picojoule run` uses.
enum Engine {
    static func prepare(modelAt path: String, threads: Int = 1) throws -> ConformanceSession {
        let prepared = try ModelRunner.prepareModel(path: path, options: SessionOptions(threads: threads))
        return ConformanceSession(session: prepared.session, inputNames: prepared.graph.inputs.map(\.name),
                                  outputNames: prepared.graph.outputs.map(\.name))
    }

    static func readTensorProto(_ path: String) throws -> Tensor {
        try TensorFile.readProto(path: path).tensor
    }

    static func readNumpy(_ path: String) throws -> Tensor {
        try NumpyReader.read(path: path)
    }

    /// A short reason ("Upsample", "float64", "opset 6") when `error` says Picojoule
    /// does not support something in the model; nil for real failures.
    static func unsupportedReason(_ error: any Error) -> String? {
        switch error {
        case let ModelError.unsupportedOperator(_, opType, domain):
            return domain.isEmpty ? opType : "\(domain).\(opType)"
        case let ModelError.unsupportedOpset(domain, version):
            return "opset \(domain.isEmpty ? "" : domain + " ")\(version)"
        case let ModelError.unknownDType(_, code):
            return DType(onnxCode: Int32(code)).map { "\($0)" } ?? "dtype \(code)"
        case let KernelError.unsupportedOperator(_, opType, domain, dtype):
            return (domain.isEmpty ? opType : "\(domain).\(opType)") + (dtype.map { " \($0)" } ?? "")
        case let KernelError.unsupportedDType(_, opType, dtype):
            return "\(opType) \(dtype)"
        default:
            return nil
        }
    }
}

/// A session ready to run, with its input and output names in graph order.
struct ConformanceSession {
    let session: InferenceSession
    let inputNames: [String]
    let outputNames: [String]

    /// Runs once and returns the outputs in graph order.
    func run(_ inputs: [String: Tensor]) throws -> [Tensor] {
        let results = try session.run(inputs)
        return try outputNames.map { name in
            guard let t = results[name] else { throw MissingOutput(name: name) }
            return t
        }
    }

    struct MissingOutput: Error, CustomStringConvertible {
        var name: String
        var description: String { "the session returned no value for output '\(name)'" }
    }
}
