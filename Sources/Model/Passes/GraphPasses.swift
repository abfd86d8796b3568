/// Graph rewrites run once after loading: constant folding, Conv+BatchNormalization
/// folding, per-channel Mul/Add folding into Conv and BatchNormalization, QDQ fusion
/// (DQ → op → Q to integer operators), Identity/Dropout removal, residual Add fusion
/// into Conv, Relu fusion into Conv and BatchNormalization, MaxPool fusion into first
/// convs, GlobalAveragePool fusion into the conv before it, and dead-node removal, then
/// shape inference again.
public enum GraphPasses {
    /// Namespace of the attributes the passes put on fused nodes (`ReluFusion.attribute`,
    /// `ResidualAddFusion.attribute`, `MaxPoolFusion.attribute`,
    /// `GlobalAveragePoolFusion.attribute`); the loader refuses a
    /// model file that sets one.
    public static let reservedAttributePrefix = "picojoule."

    /// Limits for the passes.
    public struct Options: Sendable {
        /// A folded tensor larger than this stays a node (the runtime computes it), so that a
        /// hostile ConstantOfShape cannot make the loader allocate without bound.
        public var maxFoldedBytes: Int
        public init(maxFoldedBytes: Int = 256 << 20) { self.maxFoldedBytes = maxFoldedBytes }
    }

    /// Runs all passes in order. `evaluator` folds nodes Model's built-in evaluator
    /// does not know (nil: those stay nodes).
    public static func optimize(_ graph: inout Graph, evaluator: ConstantEvaluator?) throws(ModelError) {
        try optimize(&graph, evaluator: evaluator, options: Options())
    }

    /// `optimize` with explicit limits.
    public static func optimize(_ graph: inout Graph, evaluator: ConstantEvaluator?, options: Options) throws(ModelError) {
        try ShapeInference.infer(&graph)
        try ConstantFolding.run(&graph, evaluator: evaluator, maxBytes: options.maxFoldedBytes)
        try BatchNormFolding.run(&graph)
        ChannelAffineFolding.run(&graph)
        QDQFusion.run(&graph)
        IdentityRemoval.run(&graph)
        ResidualAddFusion.run(&graph)
        ReluFusion.run(&graph)
        MaxPoolFusion.run(&graph)
        GlobalAveragePoolFusion.run(&graph)
        DeadNodeRemoval.run(&graph)
        graph.valueTypes = [:]
        try ShapeInference.infer(&graph)
    }
}
