import Foundation
import ServiceAPI

/// What inspecting an upload found; the daemon adds the hash, name and time.
public struct ModelInspection: Sendable, Hashable, Codable {
    public var format: String
    public var inputs: [TensorInfo]
    public var outputs: [TensorInfo]
    public var dtypes: [String]
    public var parameters: [String: Int]
    public var parameterBytes: [String: Int]
    public var nodeCount: Int?
    public var opsetVersion: Int?
    /// False when only the file's well-formedness was checked.
    public var complete: Bool
    public init(format: String, inputs: [TensorInfo], outputs: [TensorInfo], dtypes: [String], parameters: [String: Int],
                parameterBytes: [String: Int], nodeCount: Int?, opsetVersion: Int?, complete: Bool) {
        self.format = format; self.inputs = inputs; self.outputs = outputs; self.dtypes = dtypes
        self.parameters = parameters; self.parameterBytes = parameterBytes; self.nodeCount = nodeCount
        self.opsetVersion = opsetVersion; self.complete = complete
    }
}

/// Reads an uploaded model from memory. It never opens a path: uploads are bytes, so
/// the daemon never reads a file with its own rights on a client's behalf.
public protocol ModelInspector: Sendable {
    /// Throws `ServiceError` (422 `corrupt_model`) when the bytes are not a model.
    func inspect(_ bytes: [UInt8], name: String) throws -> ModelInspection
}
