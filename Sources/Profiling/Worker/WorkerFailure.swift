import Device
import Foundation
import Glibc

/// Why a job run through a worker process produced no result, with the cause
/// named: the signal, the limit it hit, the timeout, or the worker's own message.
public enum WorkerFailure: Error, Sendable, CustomStringConvertible {
    case spawnFailed(executable: String, reason: String)
    /// Still running when the timeout expired; killed with SIGKILL.
    case timedOut(after: Duration, phase: String?)
    /// The job was cancelled while the worker ran; killed with SIGKILL.
    case cancelled(phase: String?)
    /// Died of an allocation failure under its memory limit.
    case memoryLimitExceeded(limits: WorkerLimits?, how: String, stderr: String)
    /// Killed by a signal for another reason (a crash in a kernel, the OOM killer).
    case signaled(signal: Int32, stderr: String)
    /// Exited with a non-zero status without saying why on stdout.
    case exited(status: Int32, stderr: String)
    /// The worker refused the job or the job failed; its own message.
    case job(WorkerError)
    /// The worker broke the stdout protocol (garbage, or exit 0 without a result).
    case protocolViolation(String, stderr: String)

    public var description: String {
        switch self {
        case .spawnFailed(let executable, let reason):
            return "could not start the worker \(executable): \(reason)"
        case .timedOut(let after, let phase):
            return "the worker ran past its timeout of \(Self.seconds(after)) s\(phase.map { " during \($0)" } ?? "") and was killed (SIGKILL)"
        case .cancelled(let phase):
            return "the job was cancelled\(phase.map { " during \($0)" } ?? ""); its worker was killed (SIGKILL)"
        case .memoryLimitExceeded(let limits, let how, let stderr):
            return "the worker \(how) after an allocation failed: exceeded RLIMIT_AS (\(Self.limitText(limits)))" + Self.tail(stderr)
        case .signaled(let signal, let stderr):
            return "the worker was killed by \(Self.signalName(signal))\(Self.signalHint(signal))" + Self.tail(stderr)
        case .exited(let status, let stderr):
            return "the worker exited with status \(status) without a result" + Self.tail(stderr)
        case .job(let error):
            return error.message
        case .protocolViolation(let message, let stderr):
            return "the worker broke the protocol: \(message)" + Self.tail(stderr)
        }
    }

    /// `SIGSEGV`, `SIGKILL`... or `signal 42` for the unnamed.
    public static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT",
            SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1", SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2",
            SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGSYS: "SIGSYS",
        ]
        return names[signal] ?? "signal \(signal)"
    }

    private static func signalHint(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: " (not the timeout: likely the kernel's OOM killer or a cgroup memory limit; see dmesg)"
        case SIGSEGV, SIGBUS: " (a crash in a kernel or the runtime: an out-of-bounds access)"
        case SIGILL, SIGTRAP: " (a Swift runtime trap: a failed precondition or overflow)"
        case SIGXCPU: " (exceeded RLIMIT_CPU)"
        case SIGXFSZ: " (exceeded RLIMIT_FSIZE)"
        default: ""
        }
    }

    private static func limitText(_ limits: WorkerLimits?) -> String {
        guard let limits, let limit = limits.addressSpaceLimitBytes else { return "limit not reported" }
        let cap = limits.memoryCapBytes.map { "memory cap \(Quantity.formatBytes($0)) + " } ?? ""
        return "\(cap)overhead \(Quantity.formatBytes(limits.overheadBytes)) = \(Quantity.formatBytes(limit))"
    }

    /// The lines of stderr that say what happened ("Fatal error: ...", a Python
    /// exception), else its last lines: a crash backtrace ends in register dumps.
    private static func tail(_ stderr: String) -> String {
        let lines = stderr.split(separator: "\n")
        // Matched at the line's start: a crash report's register dump repeats memory
        // as text ("...Fatal error: fai") in the middle of its lines.
        let markers = ["fatal error", "error", "*** program crashed", "memoryerror", "terminate called", "precondition"]
        let key = lines.filter { line in
            let text = line.trimmingCharacters(in: .whitespaces).lowercased()
            return markers.contains { text.hasPrefix($0) }
        }
        let shown = key.isEmpty ? Array(lines.suffix(5)) : Array(key.prefix(3))
        return shown.isEmpty ? "" : "; its stderr says: " + shown.joined(separator: " | ")
    }

    private static func seconds(_ duration: Duration) -> String {
        Quantity.format(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18, .count)
    }

    /// Text that runtimes print when an allocation fails: Swift ("Could not allocate
    /// memory"), glibc/C++ ("Cannot allocate memory", "std::bad_alloc"), Python.
    static func looksLikeAllocationFailure(_ stderr: String) -> Bool {
        let lowered = stderr.lowercased()
        return ["could not allocate", "cannot allocate memory", "bad_alloc", "memoryerror", "out of memory", "failed to allocate"]
            .contains { lowered.contains($0) }
    }
}
