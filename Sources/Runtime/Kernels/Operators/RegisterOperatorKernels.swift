func registerOperatorKernels(_ registry: inout KernelRegistry) {}
