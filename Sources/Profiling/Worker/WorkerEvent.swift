import Device

/// One line of the worker's stdout (NDJSON). The supervisor reads them in order:
/// `constraints` once, `progress` any number of times, then `result` or `error`.
/// Anything else a worker prints on stdout is a protocol error; logs go to stderr.
public enum WorkerEvent: Sendable, Codable {
    /// What the profile's constraints became, and the memory limit in force.
    case constraints(WorkerLimits)
    case progress(phase: String, fraction: Double)
    case result(ProfileResult)
    case error(WorkerError)
}

/// The worker's constraints as applied, sent before the model loads so that a
/// worker that dies of its memory limit can be reported with the numbers.
public struct WorkerLimits: Sendable, Codable, Hashable {
    public var applied: [AppliedConstraint]
    /// RLIMIT_AS in force, if the profile caps memory.
    public var addressSpaceLimitBytes: Int?
    public var memoryCapBytes: Int?
    /// What the worker added to the cap for its own runtime.
    public var overheadBytes: Int
    /// CPUs the worker is bound to (its thread pool size).
    public var cpus: [Int]
    public init(applied: [AppliedConstraint], addressSpaceLimitBytes: Int?, memoryCapBytes: Int?, overheadBytes: Int, cpus: [Int]) {
        self.applied = applied; self.addressSpaceLimitBytes = addressSpaceLimitBytes
        self.memoryCapBytes = memoryCapBytes; self.overheadBytes = overheadBytes; self.cpus = cpus
    }
}

/// A job the worker refused or could not finish, as it reports it.
public struct WorkerError: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable {
        /// Refused up front (does not fit the caps, float under integer-only): not retried.
        case refused
        /// The job ran and failed (bad model file, kernel error).
        case failed
        /// The job spec did not decode.
        case badRequest
    }
    public var kind: Kind
    public var message: String
    public init(kind: Kind, message: String) { self.kind = kind; self.message = message }
}

extension AppliedConstraint {
    /// The result's form of a constraint Device applied.
    public init(_ outcome: ConstraintOutcome) {
        self.init(name: outcome.name, requested: outcome.requested, applied: outcome.applied, detail: outcome.detail)
    }
}
