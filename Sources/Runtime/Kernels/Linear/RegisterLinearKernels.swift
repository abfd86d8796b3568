import Model

/// Registers the fp32 linear-algebra kernels: GEMM-based (Gemm, MatMul, Conv,
/// ConvTranspose), pools and normalizations.
func registerLinearKernels(_ registry: inout KernelRegistry) {
    registry.register("Gemm", dtypes: [.float32]) { try GemmKernel.prepare($0) }
    registry.register("MatMul", dtypes: [.float32]) { try MatMulKernel.prepare($0) }
    registry.register("Conv", dtypes: [.float32]) { try ConvKernel.prepare($0) }
}
