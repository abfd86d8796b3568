func registerQuantizedKernels(_ registry: inout KernelRegistry) {
    registerQuantizationKernels(&registry)
    registerIntegerLinearKernels(&registry)
}
