func registerLinearKernels(_ registry: inout KernelRegistry) {}
