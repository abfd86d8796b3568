import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage plus the connection, whose
/// peer credentials `PeerCredentialMiddleware` reads and records.
public struct PeerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The accepted Unix socket connection.
    public let channel: any Channel
    /// Set once the middleware admitted the peer.
    public var peer: PeerCredentials?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// JSON bodies are small; model uploads collect their body with their own limit.
    public var maxUploadSize: Int { 1 << 20 }
}
