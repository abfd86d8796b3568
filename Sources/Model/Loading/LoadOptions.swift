/// How `ModelLoader` reads a model.
public struct LoadOptions: Sendable {
    /// Values for symbolic dimensions (`batch` → 8); any name not given binds to 1.
    public var symbolicDimensions: [String: Int]
    /// Files (and external-data totals) larger than this are refused before parsing.
    public var maxFileBytes: Int
    /// Run `ShapeInference` after loading (off lets `inspect` read models with unsupported operators).
    public var inferShapes: Bool

    /// Defaults: no symbolic bindings, a 4 GiB file limit (protobuf's own limit is 2 GiB).
    public init(symbolicDimensions: [String: Int] = [:], maxFileBytes: Int = 4 << 30, inferShapes: Bool = true) {
        self.symbolicDimensions = symbolicDimensions
        self.maxFileBytes = maxFileBytes
        self.inferShapes = inferShapes
    }
}
