/// Registers every non-linear operator kernel: elementwise, softmax, reductions and
/// data movement. Each family registers itself from its own file.
func registerOperatorKernels(_ registry: inout KernelRegistry) {
    registerBinaryOperators(&registry)
    registerUnaryOperators(&registry)
    registerSoftmaxOperators(&registry)
    registerReduceOperators(&registry)
    registerCopyOperators(&registry)
    registerStridedViewOperators(&registry)
    registerConcatSplitOperators(&registry)
    registerGeneratorOperators(&registry)
    registerCastOperator(&registry)
    registerResizeOperators(&registry)
    registry.register("Pad", dtypes: [.float32, .float64, .int64, .int32, .int8, .uint8, .bool], padFactory)
}
