/// The type of a value in the graph once every dimension is bound.
public struct TensorType: Sendable, Hashable, Codable {
    public var dtype: DType
    public var shape: [Int]
    public init(dtype: DType, shape: [Int]) { self.dtype = dtype; self.shape = shape }
    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { dtype.byteCount(elements: elementCount) }
}

/// One dimension as the file declares it: a number or a symbolic name (`batch`).
public enum Dimension: Sendable, Hashable, Codable {
    case fixed(Int)
    case symbolic(String)
}

/// A graph input or output as declared in the file, plus its bound type.
public struct ValueInfo: Sendable, Hashable {
    public var name: String
    /// The declared dimensions, symbolic names kept (for `inspect`).
    public var declaredShape: [Dimension]
    /// Dtype and shape with symbolic dimensions bound (user-given, else 1).
    public var type: TensorType
    public init(name: String, declaredShape: [Dimension], type: TensorType) {
        self.name = name; self.declaredShape = declaredShape; self.type = type
    }
}

/// A node attribute, as ONNX's `AttributeProto` holds it.
public enum Attribute: Sendable {
    case int(Int)
    case float(Float)
    case string(String)
    case ints([Int])
    case floats([Float])
    case strings([String])
    case tensor(Tensor)
}

/// One operator application. `inputs` keeps "" for an omitted optional input so
/// that positions match the operator's signature.
public struct Node: Sendable {
    public var name: String
    public var opType: String
    /// "" or "ai.onnx" for the default domain; "com.microsoft" for contrib ops.
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: Attribute]

    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String], attributes: [String: Attribute] = [:]) {
        self.name = name; self.opType = opType; self.domain = domain
        self.inputs = inputs; self.outputs = outputs; self.attributes = attributes
    }
}

/// A model's graph after loading: nodes in topological order, constant tensors,
/// the real (non-initializer) inputs and the outputs, and the inferred type of
/// every value once `ShapeInference` has run.
public struct Graph: Sendable {
    public var name: String
    public var nodes: [Node]
    public var initializers: [String: Tensor]
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    /// Inferred dtype and shape of every value name (inputs, initializers, node outputs).
    public var valueTypes: [String: TensorType]
    /// Opset version per domain ("" for the default domain).
    public var opsets: [String: Int]

    public init(name: String, nodes: [Node], initializers: [String: Tensor], inputs: [ValueInfo], outputs: [ValueInfo], valueTypes: [String: TensorType] = [:], opsets: [String: Int]) {
        self.name = name; self.nodes = nodes; self.initializers = initializers
        self.inputs = inputs; self.outputs = outputs; self.valueTypes = valueTypes; self.opsets = opsets
    }

    /// The default-domain opset version.
    public var opset: Int { opsets[""] ?? opsets["ai.onnx"] ?? 1 }
}
