import Foundation

/// What the daemon found in an uploaded model (`POST /v1/models`).
public struct ModelInfo: Codable, Sendable, Hashable {
    /// Lower-case hex SHA-256 of the bytes: the model's id in every other call.
    public var sha256: String
    public var name: String
    public var format: String
    public var sizeBytes: Int
    public var inputs: [TensorInfo]
    public var outputs: [TensorInfo]
    /// Element types that occur in the model's weights and interface.
    public var dtypes: [String]
    /// Number of weight elements, and their bytes as stored, by dtype.
    public var parameters: [String: Int]
    public var parameterBytes: [String: Int]
    /// Graph nodes, or nil when the inspector could not count them.
    public var nodeCount: Int?
    public var opsetVersion: Int?
    public var uploadedAt: Date
    /// False when the upload was stored but only checked for well-formedness.
    public var inspected: Bool
    public init(sha256: String, name: String, format: String, sizeBytes: Int, inputs: [TensorInfo], outputs: [TensorInfo],
                dtypes: [String], parameters: [String: Int], parameterBytes: [String: Int], nodeCount: Int?,
                opsetVersion: Int?, uploadedAt: Date, inspected: Bool) {
        self.sha256 = sha256; self.name = name; self.format = format; self.sizeBytes = sizeBytes
        self.inputs = inputs; self.outputs = outputs; self.dtypes = dtypes; self.parameters = parameters
        self.parameterBytes = parameterBytes; self.nodeCount = nodeCount; self.opsetVersion = opsetVersion
        self.uploadedAt = uploadedAt; self.inspected = inspected
    }
}

/// A graph input or output: name, element type, shape (symbolic dimensions by name).
public struct TensorInfo: Codable, Sendable, Hashable {
    public var name: String
    public var dtype: String
    public var shape: [String]
    public init(name: String, dtype: String, shape: [String]) { self.name = name; self.dtype = dtype; self.shape = shape }
}
