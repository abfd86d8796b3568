import Foundation
import ServiceAPI

/// What `buildApplication` needs to know; `picojouled`'s command line conforms.
public protocol DaemonConfig: Sendable {
    /// The Unix socket to serve on.
    var socketPath: String { get }
    /// Database, uploaded models, logs.
    var dataDirectory: String { get }
    /// Group that may connect (socket mode 0660); nil: only the owner (0600).
    var socketGroup: String? { get }
    /// Users (names or uids) allowed besides the daemon's own user and root.
    var allowedUsers: [String] { get }
    /// Largest model upload accepted, bytes.
    var maxModelBytes: Int { get }
    /// How long SIGTERM waits for a running job before re-queueing it.
    var shutdownGraceSeconds: Double { get }
    /// Times a job is started before a crash loop is given up on.
    var maxAttempts: Int { get }
    /// The catalog's directories; nil: found next to the executable or the working directory.
    var devicesDirectory: String? { get }
    var profilesDirectory: String? { get }
    /// Seconds a synthetic job takes; nil: jobs run for real. Synthetic results are
    /// made up (tests, demos without a runtime) and say so.
    var syntheticJobSeconds: Double? { get }
    /// The program run as `<program> worker` for each job; nil: this executable.
    var workerExecutable: String? { get }
    /// Wall-clock limit of one job, seconds.
    var jobTimeoutSeconds: Double { get }
}

/// The data directory's layout.
public struct DataLayout: Sendable {
    public let root: String
    public init(root: String) { self.root = root }
    public var database: String { "\(root)/picojoule.sqlite" }
    public var models: String { "\(root)/models" }

    /// See `DefaultPaths.dataDirectory()`.
    public static func defaultRoot() -> String { DefaultPaths.dataDirectory() }
    /// See `DefaultPaths.socket(dataDirectory:)`.
    public static func defaultSocket(dataDirectory: String) -> String { DefaultPaths.socket(dataDirectory: dataDirectory) }
}
