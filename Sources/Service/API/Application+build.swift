import Foundation
import Hummingbird
import Logging
import Profiling
import ServiceAPI
import ServiceLifecycle
import Store
import UnixSignals

/// The daemon: the HTTP application and the job queue, run together.
public struct DaemonApplication: Sendable {
    public let application: Application<RouterResponder<PeerRequestContext>>
    public let queue: JobQueue
    public let socketPath: String
    let logger: Logger

    /// Serves until SIGTERM/SIGINT (or cancellation). Shutdown order: the queue stops
    /// taking jobs and finishes or checkpoints the running one, then the server stops;
    /// the socket file is removed last.
    public func run(gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        try SocketFile.prepare(socketPath)
        defer { SocketFile.remove(socketPath) }
        // ServiceGroup shuts services down in reverse order: the queue first.
        let group = ServiceGroup(configuration: .init(services: [application, queue],
                                                      gracefulShutdownSignals: gracefulShutdownSignals, logger: logger))
        try await group.run()
    }
}

/// Builds the daemon from its configuration with the real store, catalog, executor.
public func buildApplication(_ config: some DaemonConfig, logger: Logger = Logger(label: "picojoule.service")) async throws -> DaemonApplication {
    let layout = DataLayout(root: config.dataDirectory)
    try FileManager.default.createDirectory(atPath: layout.root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    let store = try SQLiteStore(path: layout.database)
    let catalog = try DefaultCatalog.load(config, logger: logger)
    let worker = WorkerSupervisor(executable: config.workerExecutable ?? ownExecutable(), arguments: ["worker"],
                                  timeout: .milliseconds(Int(config.jobTimeoutSeconds * 1000)))
    let executor: any JobExecutor = config.syntheticJobSeconds.map { SyntheticJobExecutor(seconds: $0) } ?? WorkerJobExecutor(supervisor: worker)
    let dependencies = ServiceDependencies(store: store, catalog: catalog, executor: executor, modelFiles: try ModelFiles(directory: layout.models))
    return try await buildApplication(config, dependencies: dependencies, logger: logger)
}

/// The path of the running executable (for `worker` mode).
func ownExecutable() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

/// Builds the daemon around the given dependencies (tests pass fakes).
public func buildApplication(_ config: some DaemonConfig, dependencies: ServiceDependencies,
                             logger: Logger = Logger(label: "picojoule.service")) async throws -> DaemonApplication {
    let policy = try PeerPolicy.daemonOwner(plus: config.allowedUsers)
    if let group = config.socketGroup, getgrnam(group) == nil {
        throw ServiceError(.badRequest, code: "unknown_group", message: "--group \(group): no such group on this host")
    }
    let queue = JobQueue(store: dependencies.store, catalog: dependencies.catalog, executor: dependencies.executor,
                         modelFiles: dependencies.modelFiles, logger: logger, maxAttempts: config.maxAttempts,
                         shutdownGrace: .milliseconds(Int(config.shutdownGraceSeconds * 1000)))
    let models = ModelService(store: dependencies.store, files: dependencies.modelFiles, inspector: dependencies.inspector,
                              maxBytes: config.maxModelBytes)
    let health = HealthInfo(status: "ok", version: "0.1.0", pid: getpid(), dataDirectory: config.dataDirectory,
                            socket: config.socketPath, syntheticExecutor: dependencies.executor.isSynthetic)

    let router = Router(context: PeerRequestContext.self)
    // Order matters: errors from the credential check are rendered as JSON too.
    router.add(middleware: ErrorMiddleware<PeerRequestContext>(logger: logger))
    router.add(middleware: PeerCredentialMiddleware(policy: policy, logger: logger))
    let v1 = router.group("v1")
    HostController(prober: dependencies.host, health: health).addRoutes(to: v1)
    CatalogController(catalog: dependencies.catalog).addRoutes(to: v1)
    ModelsController(service: models).addRoutes(to: v1)
    JobsController(queue: queue, models: models, store: dependencies.store).addRoutes(to: v1)
    ResultsController(store: dependencies.store, models: models).addRoutes(to: v1)
    GateController(store: dependencies.store, catalog: dependencies.catalog, models: models).addRoutes(to: v1)
    MetricsController(store: dependencies.store, queue: queue).addRoutes(to: router)

    let socketPath = config.socketPath
    let group = config.socketGroup
    let application = Application(
        router: router,
        configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "picojouled"),
        onServerRunning: { _ in
            do { try SocketFile.restrict(socketPath, group: group) } catch {
                logger.critical("\(error); stop the daemon: the socket's permissions are not what was asked for")
            }
        },
        logger: logger)
    return DaemonApplication(application: application, queue: queue, socketPath: socketPath, logger: logger)
}
