import ArgumentParser
import Foundation
import Logging
import Service

/// `picojouled serve`: run the daemon in the foreground until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand, DaemonConfig {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTTP/JSON API on a Unix socket and run queued jobs (the default).")

    @Option(name: .customLong("socket"), help: "Unix socket path (default: $XDG_RUNTIME_DIR/picojoule.sock, else <data dir>/picojoule.sock).")
    var socketOption: String?

    @Option(name: .customLong("data-dir"), help: "Database and uploaded models (default: $XDG_DATA_HOME/picojoule, ~/.local/share/picojoule, or /var/lib/picojoule as root).")
    var dataDirectoryOption: String?

    @Option(name: .customLong("group"), help: "Group allowed to connect: the socket becomes mode 0660 owned by it (default: 0600).")
    var socketGroup: String?

    @Option(name: .customLong("allow-user"), help: "A user (name or uid) allowed besides the daemon's user and root; repeatable.")
    var allowedUsers: [String] = []

    @Option(name: .customLong("max-model-bytes"), help: "Largest model upload accepted, bytes.")
    var maxModelBytes: Int = 512 << 20

    @Option(name: .customLong("shutdown-grace"), help: "Seconds SIGTERM waits for a running job before re-queueing it.")
    var shutdownGraceSeconds: Double = 30

    @Option(name: .customLong("max-attempts"), help: "Starts of a job (crashes included) before it is marked failed.")
    var maxAttempts: Int = 3

    @Option(name: .customLong("devices"), help: "Directory of device YAML files (default: devices/ found near the executable).")
    var devicesDirectory: String?

    @Option(name: .customLong("profiles"), help: "Directory of profile YAML files (default: profiles/ found near the executable).")
    var profilesDirectory: String?

    @Option(name: .customLong("synthetic-jobs"), help: ArgumentHelp(
        "Make up results after SECONDS instead of running models, with a demo catalog (tests and demos only).", valueName: "seconds"))
    var syntheticJobSeconds: Double?

    @Option(name: .customLong("worker"), help: "Program run as `PROGRAM worker` for each job (default: this executable).")
    var workerExecutable: String?

    @Option(name: .customLong("job-timeout"), help: "Wall-clock limit of one job, seconds.")
    var jobTimeoutSeconds: Double = 1800

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    var dataDirectory: String { dataDirectoryOption ?? DataLayout.defaultRoot() }
    var socketPath: String { socketOption ?? DataLayout.defaultSocket(dataDirectory: dataDirectory) }

    func validate() throws {
        guard maxModelBytes > 0 else { throw ValidationError("--max-model-bytes must be positive") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    func run() async throws {
        // Everything the daemon creates (database, models, socket) is private to its user
        // unless --group widens the socket afterwards.
        umask(0o077)
        var logger = Logger(label: "picojoule.service")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let daemon: DaemonApplication
        do {
            daemon = try await buildApplication(self, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(78)  // EX_CONFIG
        }
        logger.info("serving on \(socketPath), data in \(dataDirectory)")
        do {
            try await daemon.run()
        } catch {
            logger.critical("stopped: \(error)")
            throw ExitCode(1)
        }
        logger.info("stopped; socket removed")
    }
}
