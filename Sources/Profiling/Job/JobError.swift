/// Why a job could not produce a result, beyond the typed errors of the layers it
/// calls (ModelError, KernelError, SessionError, MemoryFitError).
public enum JobError: Error, Sendable, CustomStringConvertible {
    case estimatorUnavailable(String)
    public var description: String {
        switch self {
        case .estimatorUnavailable(let why): "the device estimate could not be made: \(why)"
        }
    }
}
