import ArgumentParser
import Client
import Foundation

/// `picojoule compare MODEL... --profile NAME...`: one table, ratios to the first model.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare models or variants across profiles: size, peak RAM, latency, energy, data movement, with ratios to the first.")

    @Argument(help: "Model files, upload names or sha256 (prefixes of 8+ digits work).") var models: [String]
    @Option(name: .customLong("profile"), help: "Profile name (repeatable).") var profiles: [String]
    @Flag(name: .customLong("run"), help: "Profile pairs that have no stored result yet.") var runMissing = false
    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard !models.isEmpty, !profiles.isEmpty else { throw ValidationError("give models and at least one --profile") }
    }

    func run() async throws {
        try await withClientErrors {
            let client = try await options.connect()
            var rows: [CompareTable.Row] = []
            for model in models {
                let label = (model as NSString).lastPathComponent
                // A local file is uploaded (idempotent: content-addressed) to learn its hash.
                let reference = FileManager.default.fileExists(atPath: model) ? try await client.upload(file: model).sha256 : model
                for profile in profiles {
                    var summary = try await client.results(model: reference, profile: profile, limit: 1).first
                    if summary == nil && runMissing {
                        let job = try await client.submit(JobRequest(model: reference, profile: profile))
                        let final = try await JobFollower(client: client, showProgress: !options.json && isatty(2) == 1)
                            .wait(for: job.id, label: "\(label) on \(profile)")
                        if let id = final.resultID { summary = try await client.resultSummary(id) }
                    }
                    rows.append(.init(model: label, profile: profile, result: summary))
                }
            }
            if options.json { try printAPIJSON(rows.compactMap(\.result)) } else { print(CompareTable.render(rows)) }
        }
    }
}
