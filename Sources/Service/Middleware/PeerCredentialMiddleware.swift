import Glibc
import Hummingbird
import Logging
import NIOCore

/// Admits a request only when the process on the other end of the Unix socket runs
/// as an allowed user (SO_PEERCRED); anyone else gets 403. The socket file's mode is
/// the first fence, this is the second: with `--group` the file lets a whole group
/// connect, but only the listed users get answers.
struct PeerCredentialMiddleware: RouterMiddleware {
    typealias Context = PeerRequestContext
    let policy: PeerPolicy
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let peer = try? await PeerCredentials.of(context.channel)
        guard let peer, policy.allows(peer) else {
            logger.notice("refused \(request.method) \(request.uri.path) from \(peer.map { "uid \($0.uid) pid \($0.pid)" } ?? "an unknown peer")")
            throw ServiceError(.forbidden, code: "forbidden",
                               message: "uid \(peer.map { String($0.uid) } ?? "?") may not use this daemon; ask its owner to start it with --allow-user",
                               details: peer.map { ["uid": String($0.uid)] })
        }
        context.peer = peer
        return try await next(request, context)
    }
}

/// Who is on the other end of a Unix socket connection.
public struct PeerCredentials: Sendable, Hashable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    /// Reads SO_PEERCRED from the connection's socket. Glibc's `struct ucred` is not
    /// visible to Swift (it needs _GNU_SOURCE), so this mirrors its layout.
    static func of(_ channel: any Channel) async throws -> PeerCredentials {
        struct UCred: Sendable { var pid: Int32 = 0; var uid: UInt32 = 0; var gid: UInt32 = 0 }
        // NIOPosix's socket channels provide socket options; the conformance is not
        // public API on `Channel`, so it is found by a cast.
        guard let provider = channel as? any SocketOptionProvider else { throw ServiceError.badRequest("not a socket connection") }
        let cred: UCred = try await provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET),
                                                                   name: SocketOptionName(SO_PEERCRED)).get()
        return PeerCredentials(pid: cred.pid, uid: cred.uid, gid: cred.gid)
    }
}

/// The users allowed to talk to the daemon: its own user, root, and those named
/// with `--allow-user`.
public struct PeerPolicy: Sendable {
    public var allowedUIDs: Set<UInt32>

    public init(allowedUIDs: Set<UInt32>) { self.allowedUIDs = allowedUIDs }

    /// The daemon's effective user and root, plus `users` (names or numeric ids).
    public static func daemonOwner(plus users: [String]) throws -> PeerPolicy {
        var uids: Set<UInt32> = [geteuid(), 0]
        for user in users {
            if let uid = UInt32(user) { uids.insert(uid); continue }
            guard let entry = getpwnam(user) else {
                throw ServiceError(.badRequest, code: "unknown_user", message: "--allow-user \(user): no such user on this host")
            }
            uids.insert(entry.pointee.pw_uid)
        }
        return PeerPolicy(allowedUIDs: uids)
    }

    func allows(_ peer: PeerCredentials) -> Bool { allowedUIDs.contains(peer.uid) }
}
