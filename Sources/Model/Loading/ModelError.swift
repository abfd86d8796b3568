/// Everything that can go wrong while reading a model, a tensor file, inferring
/// shapes or running the graph passes. Each message names the file, tensor or
/// node involved so that a user can find it in Netron or onnx.helper.
public enum ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file could not be opened or read (`reason` is the system's message).
    case fileUnreadable(path: String, reason: String)
    /// The file is larger than `LoadOptions.maxFileBytes`.
    case fileTooLarge(path: String, bytes: Int, limit: Int)
    /// The bytes are not a valid protobuf message (truncated, corrupt, not ONNX).
    case corruptProtobuf(name: String, reason: String)
    /// The model has no graph.
    case missingGraph(name: String)
    /// A tensor or value declares an element type Picojoule does not hold.
    case unknownDType(value: String, code: Int)
    /// `raw_data` holds a different number of bytes than the dims require.
    case rawDataSizeMismatch(tensor: String, expectedBytes: Int, actualBytes: Int)
    /// A typed field (`float_data`, `int32_data`, ...) holds the wrong number of elements.
    case dataCountMismatch(tensor: String, expected: Int, actual: Int)
    /// A tensor holds no data at all, or data in a form Picojoule cannot read (strings, segments).
    case unsupportedTensorData(tensor: String, reason: String)
    /// A dimension is negative, or the element count overflows or exceeds the limit.
    case dimensionOverflow(value: String, shape: [Int])
    /// An external-data location that is absolute or leaves the model's folder.
    case externalDataEscape(tensor: String, location: String)
    /// External data that cannot be read, or whose offset/length lie outside the file.
    case externalDataUnreadable(tensor: String, location: String, reason: String)
    /// An opset version outside the supported range, or an unknown domain.
    case unsupportedOpset(domain: String, version: Int)
    /// A graph input or output without a usable tensor type (no type, not a tensor, no shape).
    case invalidValueInfo(name: String, reason: String)
    /// Two nodes (or a node and an input/initializer) produce the same value name.
    case duplicateValueName(name: String, node: String)
    /// A node reads a value nothing produces.
    case undefinedValue(name: String, node: String)
    /// An operator shape inference and the runtime do not know.
    case unsupportedOperator(node: String, opType: String, domain: String)
    /// A shape depends on an input that is not a constant.
    case dataDependentShape(node: String, opType: String, input: String)
    /// A node's attributes or input shapes are inconsistent (`reason` says how).
    case invalidNode(node: String, opType: String, reason: String)
    /// A `.pb` or `.npy` tensor file that cannot be read.
    case invalidTensorFile(path: String, reason: String)
    /// Constant folding of a node failed.
    case evaluationFailed(node: String, opType: String, reason: String)

    public var description: String {
        switch self {
        case let .fileUnreadable(path, reason):
            "cannot read model file '\(path)': \(reason)"
        case let .fileTooLarge(path, bytes, limit):
            "model file '\(path)' is \(bytes) bytes, over the limit of \(limit) bytes (LoadOptions.maxFileBytes)"
        case let .corruptProtobuf(name, reason):
            "'\(name)' is not a valid ONNX protobuf (truncated or corrupt): \(reason)"
        case let .missingGraph(name):
            "model '\(name)' has no graph"
        case let .unknownDType(value, code):
            "'\(value)' has element type \(code), which Picojoule does not support"
        case let .rawDataSizeMismatch(tensor, expected, actual):
            "initializer '\(tensor)': raw_data has \(actual) bytes, its dims need \(expected)"
        case let .dataCountMismatch(tensor, expected, actual):
            "initializer '\(tensor)': holds \(actual) elements, its dims need \(expected)"
        case let .unsupportedTensorData(tensor, reason):
            "tensor '\(tensor)': \(reason)"
        case let .dimensionOverflow(value, shape):
            "'\(value)' has shape \(shape): a negative dimension or more elements than Picojoule handles (2^40)"
        case let .externalDataEscape(tensor, location):
            "initializer '\(tensor)': external data location '\(location)' is absolute or leaves the model's folder; refused"
        case let .externalDataUnreadable(tensor, location, reason):
            "initializer '\(tensor)': cannot read external data '\(location)': \(reason)"
        case let .unsupportedOpset(domain, version):
            "opset \(domain.isEmpty ? "ai.onnx" : domain) version \(version) is not supported (ai.onnx 7-21, com.microsoft 1)"
        case let .invalidValueInfo(name, reason):
            "graph input/output '\(name)': \(reason)"
        case let .duplicateValueName(name, node):
            "value '\(name)' is produced twice (again by node '\(node)')"
        case let .undefinedValue(name, node):
            "node '\(node)' reads '\(name)', which no input, initializer or earlier node produces"
        case let .unsupportedOperator(node, opType, domain):
            "node '\(node)': operator \(domain.isEmpty ? "" : domain + ".")\(opType) is not supported"
        case let .dataDependentShape(node, opType, input):
            "node '\(node)' (\(opType)): its output shape depends on '\(input)', which is not a constant; give the model a constant there"
        case let .invalidNode(node, opType, reason):
            "node '\(node)' (\(opType)): \(reason)"
        case let .invalidTensorFile(path, reason):
            "tensor file '\(path)': \(reason)"
        case let .evaluationFailed(node, opType, reason):
            "constant folding of node '\(node)' (\(opType)) failed: \(reason)"
        }
    }
}
