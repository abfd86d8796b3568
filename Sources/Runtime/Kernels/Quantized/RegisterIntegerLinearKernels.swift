import Model

/// Registers the exact integer linear kernels (int32 accumulation, `IntegerGEMM`), keyed by
/// input 0's dtype: QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger and
/// com.microsoft QGemm, each for uint8 and int8 inputs.
func registerIntegerLinearKernels(_ registry: inout KernelRegistry) {
    let types: [DType] = [.uint8, .int8]
    registry.register("QLinearConv", dtypes: types) { try IntegerConvKernel.prepare($0, variant: .qlinear) }
    registry.register("ConvInteger", dtypes: types) { try IntegerConvKernel.prepare($0, variant: .integer) }
    registry.register("QLinearMatMul", dtypes: types) { try IntegerMatMulKernel.prepare($0, quantized: true) }
    registry.register("MatMulInteger", dtypes: types) { try IntegerMatMulKernel.prepare($0, quantized: false) }
    registry.register("QGemm", domain: "com.microsoft", dtypes: types) { try QGemmKernel.prepare($0) }
}
