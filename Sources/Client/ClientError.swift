import ServiceAPI

/// Why a client call failed. Each case maps to one of the CLI's exit codes.
public enum ClientError: Error, Sendable, CustomStringConvertible {
    /// Nothing answers on the socket.
    case noDaemon(socket: String)
    /// The socket exists but this user may not open it.
    case permissionDenied(socket: String)
    /// The daemon answered with an error body.
    case api(status: Int, body: APIErrorBody)
    /// The daemon answered something that is not the API's JSON.
    case badResponse(status: Int, reason: String)
    case transport(String)
    /// A local problem: a file that cannot be read, a budgets file that does not parse.
    case input(String)

    public var description: String {
        switch self {
        case .noDaemon(let socket):
            "no picojouled answers on \(socket). Start one with `picojouled --socket \(socket) &`, or pass --spawn to start it for you."
        case .permissionDenied(let socket):
            "permission denied opening \(socket): the daemon belongs to another user; ask its owner to add you with --group/--allow-user"
        case .api(let status, let body):
            "daemon refused (\(status) \(body.error.code)): \(body.error.message)"
        case .badResponse(let status, let reason): "unexpected answer from the daemon (HTTP \(status)): \(reason)"
        case .transport(let reason): "talking to the daemon failed: \(reason)"
        case .input(let reason): reason
        }
    }

    /// The API error code, if the daemon sent one.
    public var code: String? { if case .api(_, let body) = self { body.error.code } else { nil } }
}
