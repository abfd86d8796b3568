import Device
import Foundation
import Glibc
import Synchronization

/// Runs one job in a separate worker process (the project's own binary in its
/// `worker` mode): sends the JobSpec as JSON on stdin, reads NDJSON events from
/// stdout, keeps the end of stderr for the error message, kills the worker
/// (SIGKILL, whole process group) when the timeout expires, and turns any death
/// into a `WorkerFailure` that names the cause. The caller carries on either way.
public struct WorkerSupervisor: Sendable {
    public var executable: String
    public var arguments: [String]
    public var timeout: Duration
    /// Extra environment for the worker, on top of this process's.
    public var environment: [String: String]

    /// - Parameters:
    ///   - executable: path of `picojoule` / `picojouled` (or any program speaking the protocol).
    ///   - arguments: arguments after the program name; `worker` selects the worker mode.
    ///   - timeout: wall-clock limit for the whole job, throttled time included.
    public init(executable: String, arguments: [String] = ["worker"], timeout: Duration, environment: [String: String] = [:]) {
        self.executable = executable; self.arguments = arguments; self.timeout = timeout; self.environment = environment
    }

    /// Runs `spec` in a fresh worker and returns its result. `progress` is called
    /// for each progress line, on a supervisor thread.
    public func run(_ spec: JobSpec, progress: @escaping JobRunner.Progress = { _, _ in }) async throws(WorkerFailure) -> ProfileResult {
        let input: Data
        do { input = try JSONEncoder().encode(spec) } catch {
            throw .protocolViolation("the job spec did not encode: \(error)", stderr: "")
        }
        let stop = StopRequest()
        let outcome: Result<ProfileResult, WorkerFailure> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Blocking poll/waitpid on a thread of its own, not on the cooperative pool.
                Thread.detachNewThread {
                    continuation.resume(returning: self.runBlocking(input: input, stop: stop, progress: progress))
                }
            }
        } onCancel: {
            stop.request()
        }
        return try outcome.get()
    }

    private func runBlocking(input: Data, stop: StopRequest, progress: @escaping JobRunner.Progress) -> Result<ProfileResult, WorkerFailure> {
        // A worker that exits before reading its job must not kill us with SIGPIPE;
        // the failed write is handled as an error instead.
        signal(SIGPIPE, SIG_IGN)
        var env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // One malloc arena keeps the worker's address space predictable under RLIMIT_AS:
        // glibc reserves 64 MiB of address space per extra arena.
        env["MALLOC_ARENA_MAX"] = env["MALLOC_ARENA_MAX"] ?? "1"
        let child: SpawnedProcess
        do { child = try SpawnedProcess(executable: executable, arguments: arguments, environment: env) } catch {
            return .failure(.spawnFailed(executable: executable, reason: error.description))
        }
        var reader = EventReader(progress: progress)
        let deadline = ContinuousClock.now + timeout
        let killed = child.pump(input: input, deadline: deadline, stop: { stop.isRequested }) { reader.consume($0) }
        reader.finish()
        let status = child.reap()
        let stderr = child.stderrText
        switch killed {
        case .timeout: return .failure(.timedOut(after: timeout, phase: reader.lastPhase))
        case .stop: return .failure(.cancelled(phase: reader.lastPhase))
        case nil: break
        }
        if let error = reader.error { return .failure(.job(error)) }
        switch status {
        case .exited(0):
            if let violation = reader.violation { return .failure(.protocolViolation(violation, stderr: stderr)) }
            guard var result = reader.result else { return .failure(.protocolViolation("exited with status 0 without a result", stderr: stderr)) }
            if result.host.constraints.isEmpty, let limits = reader.limits { result.host.constraints = limits.applied }
            return .success(result)
        case .exited(let code):
            if WorkerFailure.looksLikeAllocationFailure(stderr) {
                return .failure(.memoryLimitExceeded(limits: reader.limits, how: "exited with status \(code)", stderr: stderr))
            }
            return .failure(.exited(status: code, stderr: stderr))
        case .signaled(let signal):
            if WorkerFailure.looksLikeAllocationFailure(stderr) {
                return .failure(.memoryLimitExceeded(limits: reader.limits, how: "was killed by \(WorkerFailure.signalName(signal))", stderr: stderr))
            }
            return .failure(.signaled(signal: signal, stderr: stderr))
        }
    }
}

/// Splits stdout into lines and decodes each as a `WorkerEvent`.
struct EventReader {
    let progress: JobRunner.Progress
    var buffer = Data()
    var limits: WorkerLimits?
    var result: ProfileResult?
    var error: WorkerError?
    var lastPhase: String?
    var violation: String?
    private let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }()

    init(progress: @escaping JobRunner.Progress) { self.progress = progress }

    mutating func consume(_ data: Data) {
        buffer.append(data)
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = buffer[buffer.startIndex..<newline]
            buffer = Data(buffer[buffer.index(after: newline)...])
            handle(line)
        }
    }

    mutating func finish() {
        if !buffer.isEmpty { handle(buffer); buffer = Data() }
    }

    private mutating func handle(_ line: Data) {
        guard !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) else { return }
        do {
            switch try decoder.decode(WorkerEvent.self, from: line) {
            case .constraints(let value): limits = value
            case .progress(let phase, let fraction): lastPhase = phase; progress(phase, fraction)
            case .result(let value): result = value
            case .error(let value): error = value
            }
        } catch {
            if violation == nil {
                violation = "stdout line is not a worker event: \(String(decoding: line.prefix(200), as: UTF8.self))"
            }
        }
    }
}

/// Set when the task running a worker is cancelled; read by the supervisor's pump loop.
final class StopRequest: Sendable {
    private let flag = Mutex(false)
    func request() { flag.withLock { $0 = true } }
    var isRequested: Bool { flag.withLock { $0 } }
}
