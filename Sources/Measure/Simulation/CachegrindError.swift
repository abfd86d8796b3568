/// Why a cachegrind simulation did not produce counts.
public enum CachegrindError: Error, Hashable, Sendable, CustomStringConvertible {
    /// valgrind is not on PATH.
    case valgrindMissing
    /// The device lists no cache, TCM or SRAM level to simulate.
    case noCacheLevel(device: String)
    /// The size guard: the job would simulate more MACs than allowed.
    case tooLarge(macs: Int64, limit: Int64)
    /// valgrind could not start or the program under it failed.
    case failed(status: Int32, stderrTail: String)
    /// The run took longer than the allowed time and was killed.
    case timedOut(seconds: Double)
    /// The output file was missing or had no `events:`/`summary:` lines.
    case unreadableOutput(path: String, detail: String)
    /// This build's kernels use AVX-512, which valgrind cannot run, and the AVX2 build
    /// that simulations run instead is not at `expected`.
    case noAVX2Build(expected: String)

    public var description: String {
        switch self {
        case .valgrindMissing:
            "valgrind is not installed, so simulated counters are unavailable; install it (apt-get install valgrind)"
        case .noCacheLevel(let device):
            "device \(device) lists no cache, TCM or SRAM level, so there is no cache geometry to simulate"
        case .tooLarge(let macs, let limit):
            "cachegrind runs about 50× slower than native; this job would simulate \(macs) MACs, over the limit of \(limit). "
                + "Use fewer runs or a smaller model, or force the simulation (request `simulateForce: true`)"
        case .failed(let status, let tail):
            "valgrind exited with status \(status): \(tail)"
        case .timedOut(let seconds):
            "the cachegrind run exceeded \(Int(seconds)) s and was stopped"
        case .unreadableOutput(let path, let detail):
            "cachegrind output \(path) could not be read: \(detail)"
        case .noAVX2Build(let expected):
            "valgrind cannot run AVX-512 code and this build's kernels use it; simulations run the AVX2 build "
                + "of picojoule, expected at \(expected) (scripts/build.sh makes it)"
        }
    }
}
