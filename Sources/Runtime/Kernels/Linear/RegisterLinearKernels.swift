import Model

/// Registers the fp32 linear-algebra kernels: GEMM-based (Gemm, MatMul, Conv,
/// ConvTranspose), pools and normalizations.
func registerLinearKernels(_ registry: inout KernelRegistry) {
    registry.register("Gemm", dtypes: [.float32]) { try GemmKernel.prepare($0) }
    registry.register("MatMul", dtypes: [.float32]) { try MatMulKernel.prepare($0) }
    registry.register("Conv", dtypes: [.float32]) { try ConvKernel.prepare($0) }
    registry.register("ConvTranspose", dtypes: [.float32]) { try ConvTransposeKernel.prepare($0) }
    registry.register("MaxPool", dtypes: [.float32]) { try PoolKernel.prepare($0, kind: .max) }
    registry.register("AveragePool", dtypes: [.float32]) { try PoolKernel.prepare($0, kind: .average) }
    registry.register("LpPool", dtypes: [.float32]) { try PoolKernel.prepare($0, kind: .lp) }
    registry.register("GlobalAveragePool", dtypes: [.float32]) { try GlobalPoolKernel.prepare($0, isMax: false) }
    registry.register("GlobalMaxPool", dtypes: [.float32]) { try GlobalPoolKernel.prepare($0, isMax: true) }
    registry.register("BatchNormalization", dtypes: [.float32]) { try BatchNormKernel.prepare($0) }
    registry.register("InstanceNormalization", dtypes: [.float32]) { try InstanceNormKernel.prepare($0) }
    registry.register("LRN", dtypes: [.float32]) { try LRNKernel.prepare($0) }
}
