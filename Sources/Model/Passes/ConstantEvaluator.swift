/// Evaluates one node whose inputs are all constants, for constant folding of
/// operators Model's built-in evaluator does not cover. The Runtime supplies
/// one backed by its kernels.
public protocol ConstantEvaluator: Sendable {
    /// The node's outputs, or nil when this evaluator does not handle the node.
    /// `inputs` holds nil for omitted optional inputs.
    func evaluate(node: Node, inputs: [Tensor?], opset: Int) throws -> [Tensor]?
}
