/// A fixed pool of threads for data-parallel loops inside kernels. Defined by the
/// runtime-core work; kernels only call `parallelFor`.
public protocol ThreadPool: Sendable {
    /// Number of threads that execute work (the caller's thread included).
    var threadCount: Int { get }
    /// Runs `body(i)` for every i in 0..<count, spread over the pool; returns when
    /// all are done. `body` must not throw or allocate.
    func parallelFor(_ count: Int, _ body: (Int) -> Void)
}
