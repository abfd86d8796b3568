import Model

/// Why a session cannot be built or a run's inputs are refused. Messages name the
/// input or node and say what was expected.
public enum SessionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `run` was not given a value for a graph input.
    case missingInput(name: String, expected: TensorType)
    /// `run` was given a name that is not a graph input.
    case unknownInput(name: String, known: [String])
    case inputDTypeMismatch(name: String, expected: DType, got: DType)
    case inputShapeMismatch(name: String, expected: [Int], got: [Int])
    /// A caller-provided output tensor is missing or has the wrong type.
    case outputMismatch(name: String, expected: TensorType, got: TensorType?)
    /// A node reads a value that no input, initializer or earlier node produces.
    case undefinedValue(name: String, node: String)
    /// Two nodes (or a node and an input or initializer) write the same value.
    case duplicateValue(name: String, node: String)
    /// Shape inference left a value without a type (run `ShapeInference.infer` first).
    case missingValueType(name: String, node: String)
    /// Integer-only mode: every node that would compute in floating point.
    case integerOnlyViolations([IntegerOnlyViolation])

    public var description: String {
        switch self {
        case let .missingInput(name, expected):
            return "input '\(name)' is missing: expected \(expected.dtype) \(expected.shape)"
        case let .unknownInput(name, known):
            return "'\(name)' is not an input of this model; its inputs are \(known.map { "'\($0)'" }.joined(separator: ", "))"
        case let .inputDTypeMismatch(name, expected, got):
            return "input '\(name)': expected element type \(expected), got \(got)"
        case let .inputShapeMismatch(name, expected, got):
            return "input '\(name)': expected shape \(expected), got \(got)"
        case let .outputMismatch(name, expected, got):
            let seen = got.map { "\($0.dtype) \($0.shape)" } ?? "nothing"
            return "output tensor '\(name)': expected \(expected.dtype) \(expected.shape), got \(seen)"
        case let .undefinedValue(name, node):
            return "node '\(node)' reads '\(name)', which no input, initializer or earlier node produces"
        case let .duplicateValue(name, node):
            return "node '\(node)' writes '\(name)', which an input, initializer or earlier node already defines"
        case let .missingValueType(name, node):
            return "value '\(name)' (node '\(node)') has no inferred type; run ShapeInference.infer on the graph first"
        case let .integerOnlyViolations(violations):
            let lines = violations.map { "  - \($0)" }.joined(separator: "\n")
            return "integer-only mode: \(violations.count) node(s) compute in floating point:\n\(lines)"
        }
    }
}

/// One node that breaks integer-only mode, with what to do about it.
public struct IntegerOnlyViolation: Sendable, Hashable, CustomStringConvertible {
    /// Index in execution order.
    public var index: Int
    public var node: String
    public var opType: String
    public var computeType: DType
    public var reason: String
    public var hint: String

    public init(index: Int, node: String, opType: String, computeType: DType, reason: String, hint: String) {
        self.index = index; self.node = node; self.opType = opType; self.computeType = computeType
        self.reason = reason; self.hint = hint
    }

    public var description: String { "node '\(node)' (\(opType)): \(reason). Hint: \(hint)" }

    /// What to do about a float node of `opType`, from the usual causes.
    public static func hint(for opType: String) -> String {
        switch opType {
        case "BatchNormalization":
            return "fold BatchNormalization into the preceding Conv before quantizing (GraphPasses folds it when the Conv's weights are constants)"
        case "Conv", "ConvTranspose", "Gemm", "MatMul":
            return "quantize the model (for example onnxruntime.quantization.quantize_static, QDQ format) so this node runs on an int8 kernel"
        case "QuantizeLinear", "DequantizeLinear":
            return "a Q/DQ node inside the graph leaves a float tensor between integer operators: quantize the operators on both sides so the pair fuses away"
        case "Softmax", "Sigmoid", "Tanh", "Exp", "Log", "Erf", "Gelu", "HardSigmoid", "HardSwish", "LogSoftmax":
            return "use a quantized (lookup-table) version of this activation, or move it after the model's output"
        case "LayerNormalization", "InstanceNormalization", "LRN", "ReduceMean", "GlobalAveragePool", "AveragePool":
            return "quantize this operator (wrap it in QuantizeLinear/DequantizeLinear and requantize), or replace it with an integer equivalent"
        default:
            return "quantize this operator or replace it with an integer equivalent; on integer-only hardware every node must compute in an integer type"
        }
    }
}
