import Glibc

/// The per-core L2 size this process runs on, read once: kernels that choose a loop
/// order by what stays in L2 (`DirectConvPlan.pairsPanels`) ask it at prepare time.
/// The choice changes the order of memory reads only, never the arithmetic, so outputs
/// are bit-identical on every host.
enum HostCache {
    /// Bytes; 1 MB where the C library cannot tell (the smallest L2 of the CPUs we tune on).
    static let l2Bytes: Int = {
        let v = sysconf(Int32(_SC_LEVEL2_CACHE_SIZE))
        return v > 0 ? Int(v) : 1 << 20
    }()
}
