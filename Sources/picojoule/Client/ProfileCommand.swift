import ArgumentParser
import Client
import Foundation

/// `picojoule profile MODEL... --profile NAME...`: upload, queue, follow, print the table.
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Profile models under one or more profiles (on the daemon, or --local) and print the results.",
        discussion: "Exit status: 0 all jobs succeeded, 2 bad input (unknown profile, corrupt model), 3 a job failed, 4 no daemon.")

    @Argument(help: "ONNX model files (uploaded as bytes; the daemon never opens your paths).") var models: [String]
    @Option(name: .customLong("profile"), help: "Profile name (repeatable; see `picojoule profiles`).") var profiles: [String]
    @Option(help: "Timed runs (default: the profile's).") var runs: Int?
    @Option(help: "Warm-up runs (default: the profile's).") var warmup: Int?
    @Flag(help: "Also run under cachegrind with the device's caches.") var simulate = false
    @Flag(name: .customLong("no-wait"), help: "Queue the jobs, print their ids and return.") var noWait = false
    @Flag(help: "Run each job here in a worker process, without a daemon; nothing is stored.") var local = false
    @Option(name: .customLong("timeout"), help: "With --local: seconds one job may take.") var timeoutSeconds: Double = 1800
    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give at least one model file") }
        guard !profiles.isEmpty else { throw ValidationError("give at least one --profile") }
    }

    func run() async throws {
        if local {
            try await LocalProfile(models: models, profiles: profiles, runs: runs, warmup: warmup, simulate: simulate,
                                   json: options.json, timeoutSeconds: timeoutSeconds).run()
            return
        }
        try await withClientErrors {
            let client = try await options.connect()
            var uploaded: [(label: String, info: ModelInfo)] = []
            for path in models { uploaded.append(((path as NSString).lastPathComponent, try await client.upload(file: path))) }
            var jobs: [(label: String, profile: String, status: JobStatus)] = []
            for (label, info) in uploaded {
                for profile in profiles {
                    let status = try await client.submit(JobRequest(model: info.sha256, profile: profile, runs: runs, warmup: warmup,
                                                                    simulate: simulate ? true : nil))
                    jobs.append((label, profile, status))
                }
            }
            if noWait {
                if options.json { try printAPIJSON(jobs.map(\.status)) } else {
                    for job in jobs { print("job \(job.status.id): \(job.label) on \(job.profile) queued") }
                }
                return
            }
            let follower = JobFollower(client: client, showProgress: !options.json && isatty(2) == 1)
            var finals: [JobStatus] = []
            var rows: [CompareTable.Row] = []
            for job in jobs {
                let final = try await follower.wait(for: job.status.id, label: "\(job.label) on \(job.profile)")
                finals.append(final)
                var summary: ResultSummary?
                if let id = final.resultID { summary = try await client.resultSummary(id) }
                rows.append(.init(model: job.label, profile: job.profile, result: summary))
                if final.state != .succeeded { printError("picojoule: job \(final.id) (\(job.label) on \(job.profile)) \(final.state.rawValue): \(final.error ?? "")") }
            }
            if options.json {
                struct Output: Encodable { var jobs: [JobStatus]; var results: [ResultSummary] }
                try printAPIJSON(Output(jobs: finals, results: rows.compactMap(\.result)))
            } else {
                print(CompareTable.render(rows))
            }
            if finals.contains(where: { $0.state != .succeeded }) { throw ExitCode(ExitStatus.jobFailed.rawValue) }
        }
    }
}
