extension KernelRegistry {
    /// Every kernel Picojoule ships. Each kernel family registers itself from its own
    /// folder; float kernels are left out in integer-only sessions by the session.
    public static let standard: KernelRegistry = {
        var registry = KernelRegistry()
        registerLinearKernels(&registry)
        registerOperatorKernels(&registry)
        registerQuantizedKernels(&registry)
        return registry
    }()
}
