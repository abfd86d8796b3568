import Device
import Measure
import Model
import Runtime

/// Runs one job in the current process: load, lower, plan, check caps, run with
/// counters, estimate. The worker process calls it after applying the profile's
/// constraints to itself; tests and `--local` call it directly.
public struct JobRunner: Sendable {
    public init() {}

    /// Progress callback: a phase name and a fraction in 0...1.
    public typealias Progress = @Sendable (_ phase: String, _ fraction: Double) -> Void

    public func run(_ spec: JobSpec, appliedConstraints: [AppliedConstraint] = [], progress: Progress = { _, _ in }) throws -> ProfileResult {
        throw JobError.notImplemented
    }
}

/// Why a job failed; each message names the problem and what to do.
public enum JobError: Error, Sendable, CustomStringConvertible {
    case notImplemented
    public var description: String {
        switch self {
        case .notImplemented: "the job runner is not wired yet"
        }
    }
}
