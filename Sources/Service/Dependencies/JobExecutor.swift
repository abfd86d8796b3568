import Foundation
import Profiling

/// Runs one job and returns its result. The daemon's executor starts a worker
/// process per job (so a model that crashes or overflows its cap dies alone);
/// tests and demos use `SyntheticJobExecutor`.
public protocol JobExecutor: Sendable {
    /// True when results are made up (tests, demos): the API says so.
    var isSynthetic: Bool { get }
    /// Runs `spec`; must stop (killing its worker) when the calling task is cancelled
    /// and then throw `CancellationError`.
    func execute(_ spec: JobSpec, progress: @escaping JobRunner.Progress) async throws -> ProfileResult
}

/// Runs the job in the daemon's own process with `JobRunner`, on a thread of its own.
/// Used until the worker process is available; a crash in a kernel takes the daemon
/// down with it, which the restart logic then recovers from.
public struct InProcessJobExecutor: JobExecutor {
    public init() {}
    public var isSynthetic: Bool { false }

    public func execute(_ spec: JobSpec, progress: @escaping JobRunner.Progress) async throws -> ProfileResult {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try JobRunner().run(spec, progress: progress) })
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
    }
}
