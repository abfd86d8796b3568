/// The vector instruction set the kernels were compiled for: the build targets the CPU
/// it is built on (Package.swift). A CPU without it is refused before `main` runs, by
/// the constructor in CLinux/build_cpu_guard.c.
public enum KernelTarget {
    /// "AVX-512", "AVX2" or, on other architectures, "portable".
    public static var name: String {
        #if PICOJOULE_AVX512
        "AVX-512"
        #elseif arch(x86_64)
        "AVX2"
        #else
        "portable"
        #endif
    }

    /// Whether this build's kernels use 512-bit registers.
    public static var usesAVX512: Bool {
        #if PICOJOULE_AVX512
        true
        #else
        false
        #endif
    }

    /// Output channels per packed weight panel of the direct conv: 32 with AVX-512, else 16.
    public static var convPanelLanes: Int { DirectConvPlan.lanes }
}
