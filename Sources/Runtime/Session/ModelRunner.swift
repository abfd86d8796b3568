import Model

/// The usual path from a file to a session: load → optimize (folding with the
/// runtime's kernels) → infer shapes → build the session.
public enum ModelRunner {
    /// A model file made ready to run: what was loaded, the graph after the
    /// passes, and the session built from it.
    public struct Prepared: Sendable {
        /// The file as loaded (its `graph` is the graph before the passes).
        public var loaded: LoadedModel
        /// The graph after constant folding, BatchNormalization folding and
        /// clean-up, with every value typed: what the session runs.
        public var graph: Graph
        public var session: InferenceSession
    }

    /// Loads, optimizes and prepares the model at `path`.
    public static func prepareModel(path: String, loadOptions: LoadOptions = .init(), options: SessionOptions = .init(),
                                    registry: KernelRegistry = .standard) throws -> Prepared {
        let loaded = try ModelLoader.load(path: path, options: loadOptions)
        let graph = try optimized(loaded.graph, registry: registry)
        let session = try InferenceSession(graph: graph, options: options, registry: registry)
        return Prepared(loaded: loaded, graph: graph, session: session)
    }

    /// The session for the model at `path` (see `prepareModel`).
    public static func prepare(path: String, loadOptions: LoadOptions = .init(), options: SessionOptions = .init(),
                               registry: KernelRegistry = .standard) throws -> InferenceSession {
        try prepareModel(path: path, loadOptions: loadOptions, options: options, registry: registry).session
    }

    /// `graph` after `GraphPasses.optimize` with a `KernelConstantEvaluator` over
    /// `registry`; `optimize` re-infers every value's type at its end.
    public static func optimized(_ graph: Graph, registry: KernelRegistry = .standard) throws -> Graph {
        var graph = graph
        try GraphPasses.optimize(&graph, evaluator: KernelConstantEvaluator(registry: registry))
        if graph.valueTypes.isEmpty { try ShapeInference.infer(&graph) }
        return graph
    }
}
