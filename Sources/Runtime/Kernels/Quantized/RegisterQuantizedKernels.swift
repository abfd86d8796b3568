func registerQuantizedKernels(_ registry: inout KernelRegistry) {}
