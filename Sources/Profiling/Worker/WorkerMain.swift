import Device
import Foundation
import Glibc

/// The worker process's entry point, behind the hidden `worker` subcommand of
/// `picojoule` and `picojouled`. It reads one JobSpec (JSON) from stdin, applies
/// the profile's constraints to itself BEFORE the model loads, runs the job with
/// `JobRunner`, and writes NDJSON `WorkerEvent`s to stdout: `constraints`, then
/// `progress` lines, then `result` or `error`. Logs and crashes go to stderr,
/// which the supervisor keeps for the error message.
public enum WorkerMain {
    /// Runs the worker; returns the process exit status (0 with a result, 1 when the
    /// job failed or was refused, 2 when the spec could not be read).
    public static func run() -> Int32 {
        // Die with the supervisor rather than run on unobserved.
        _ = WorkerProcess.terminateWithParent()
        let input = FileHandle.standardInput.readDataToEndOfFile()
        var spec: JobSpec
        do { spec = try JSONDecoder().decode(JobSpec.self, from: input) } catch {
            emit(.error(WorkerError(kind: .badRequest, message: "the worker could not read its job: \(error)")))
            return 2
        }
        let constraints = spec.profile.constraints
        let overhead = RuntimeOverhead.estimate(threads: constraints.cores)
        let applied = ProcessConstraints.apply(constraints, overheadBytes: overhead)
        // A host with fewer CPUs than the profile asks for gets a pool it can run.
        if !applied.cpus.isEmpty, applied.cpus.count < constraints.cores { spec.profile.constraints.cores = applied.cpus.count }
        let appliedConstraints = applied.outcomes.map(AppliedConstraint.init)
        emit(.constraints(WorkerLimits(applied: appliedConstraints, addressSpaceLimitBytes: applied.addressSpaceLimitBytes,
                                       memoryCapBytes: constraints.memoryCapBytes, overheadBytes: overhead, cpus: applied.cpus)))
        let outcome: Result<ProfileResult, any Error>
        do {
            outcome = .success(try JobRunner().run(spec, appliedConstraints: appliedConstraints) { phase, fraction in
                emit(.progress(phase: phase, fraction: fraction))
            })
        } catch {
            outcome = .failure(error)
        }
        // Unthrottled from here: the report is not part of the measurement.
        applied.throttle?.stop()
        switch outcome {
        case .success(let result):
            emit(.result(result))
            return 0
        case .failure(let error):
            let refused = (error as? any WorkerRefusal)?.isRefusal ?? false
            emit(.error(WorkerError(kind: refused ? .refused : .failed, message: String(describing: error))))
            return 1
        }
    }

    /// One event, one line, one write(2): nothing sits in a buffer if the process dies next.
    static func emit(_ event: WorkerEvent) {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard var line = try? encoder.encode(event) else { return }
        line.append(UInt8(ascii: "\n"))
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(1, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { if errno == EINTR { continue }; return }
                offset += written
            }
        }
    }
}

/// An error that means "this job cannot run under this profile" (it does not fit,
/// it computes in float under integer-only), reported as `refused` rather than
/// `failed` so callers do not retry it. JobRunner's error type can conform too.
public protocol WorkerRefusal: Error {
    var isRefusal: Bool { get }
}

extension MemoryFitError: WorkerRefusal {
    public var isRefusal: Bool { true }
}

extension IntegerOnlyError: WorkerRefusal {
    public var isRefusal: Bool { true }
}
