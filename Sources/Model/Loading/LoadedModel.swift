/// A model read from an ONNX file: its graph plus what identifies the file.
public struct LoadedModel: Sendable {
    /// The graph with initializers decoded, real inputs only, and shapes inferred.
    public var graph: Graph
    /// `ModelProto.ir_version`.
    public var irVersion: Int
    /// `producer_name` and `producer_version`, joined by a space.
    public var producer: String
    /// Size of the model file in bytes (external data not included).
    public var fileBytes: Int
    /// Lower-case hex SHA-256 of the model file's bytes; the Store's model key.
    public var sha256: String

    public init(graph: Graph, irVersion: Int, producer: String, fileBytes: Int, sha256: String) {
        self.graph = graph; self.irVersion = irVersion; self.producer = producer
        self.fileBytes = fileBytes; self.sha256 = sha256
    }
}
