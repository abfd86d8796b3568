/// Fills `Graph.valueTypes` with the dtype and shape of every value.
public enum ShapeInference {
    /// Infers every node's output types in order; throws for unknown operators,
    /// inconsistent shapes and shapes that depend on non-constant data.
    public static func infer(_ graph: inout Graph) throws(ModelError) {
    }
}
