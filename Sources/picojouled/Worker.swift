import ArgumentParser
import Profiling

/// Hidden: the worker process the daemon spawns for each job (`picojouled worker`).
/// Reads a JobSpec on stdin, applies the profile to itself, runs the job, writes
/// progress and the result as NDJSON on stdout.
struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run one job as a worker process (internal).", shouldDisplay: false)

    func run() throws {
        let status = WorkerMain.run()
        if status != 0 { throw ExitCode(status) }
    }
}
