import CKernels

/// The vector instruction set the kernels were compiled for: the build targets the CPU
/// it is built on (Package.swift), so a binary copied to an older CPU must say so before
/// its first AVX-512 instruction kills it with SIGILL.
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

    /// Why this CPU cannot run this build, or nil when it can.
    public static func unsupportedReason() -> String? {
        guard usesAVX512, ck_cpu_runs_avx512() == 0 else { return nil }
        return "this build of Picojoule was compiled for AVX-512 (the CPU it was built on has it) "
            + "but this CPU lacks AVX-512 F/BW/DQ/VL; rebuild here with scripts/build.sh, "
            + "or build with PICOJOULE_TARGET_CPU=haswell for any x86-64 CPU with AVX2"
    }
}
