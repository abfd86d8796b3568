import Model

/// Key of a kernel: operator, domain ("" = default ONNX domain) and the dtype the
/// kernel is selected by (usually input 0's; documented per op).
public struct KernelKey: Sendable, Hashable {
    public var opType: String
    public var domain: String
    public var dtype: DType
    public init(_ opType: String, domain: String = "", dtype: DType) {
        self.opType = opType; self.domain = domain == "ai.onnx" ? "" : domain; self.dtype = dtype
    }
}

/// A plain dictionary of factories keyed by (op, domain, dtype), as tflite-micro's
/// op resolver. Kernel files add themselves through `register` calls collected in
/// `KernelRegistry.standard` (one `static func registerXxx(into:)` per kernel file).
public struct KernelRegistry: Sendable {
    public private(set) var factories: [KernelKey: KernelFactory] = [:]

    public init() {}

    public mutating func register(_ opType: String, domain: String = "", dtypes: [DType], _ factory: @escaping KernelFactory) {
        for d in dtypes { factories[KernelKey(opType, domain: domain, dtype: d)] = factory }
    }

    public func factory(for key: KernelKey) -> KernelFactory? { factories[key] }

    /// Every operator type the registry knows, for `inspect` and conformance skips.
    public var supportedOperators: Set<String> { Set(factories.keys.map(\.opType)) }
}
