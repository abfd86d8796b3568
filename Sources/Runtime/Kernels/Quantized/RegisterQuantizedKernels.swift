func registerQuantizedKernels(_ registry: inout KernelRegistry) {
    registerIntegerLinearKernels(&registry)
}
