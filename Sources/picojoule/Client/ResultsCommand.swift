import ArgumentParser
import Client
import Foundation

/// `picojoule results`: stored results, newest first; `--set-baseline ID` marks one.
struct ResultsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "results", abstract: "List stored results by model, profile and time.")

    @Option(help: "Model: upload name, sha256 or prefix.") var model: String?
    @Option(help: "Profile name.") var profile: String?
    @Option(help: "Only results from the last N hours.") var hours: Double?
    @Option(help: "At most this many rows.") var limit: Int = 20
    @Option(name: .customLong("set-baseline"), help: "Mark result ID as the baseline of its model on its profile.") var baseline: Int64?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await withClientErrors {
            let client = try await options.connect()
            if let baseline {
                let mark = try await client.setBaseline(baseline)
                if options.json { try printAPIJSON(mark) } else { print("result \(mark.resultID) is now the baseline of \(mark.model.prefix(12)) on \(mark.profile)") }
                return
            }
            let since = hours.map { Date().addingTimeInterval(-$0 * 3600) }
            let results = try await client.results(model: model, profile: profile, since: since, limit: limit)
            if options.json { try printAPIJSON(results); return }
            var table = TextTable(["id", "created", "model", "profile", "energy", "latency", "peak RAM", "flash", "baseline"])
            let formatter = ISO8601DateFormatter()
            for r in results {
                table.add([String(r.id), formatter.string(from: r.createdAt), r.modelName, r.profile, Units.format(r.energyJoules, "J"),
                           Units.format(r.latencySeconds, "s"), Units.bytes(Double(r.peakRAMBytes)), Units.bytes(Double(r.flashBytes)),
                           r.isBaseline ? "yes" : ""])
            }
            print(results.isEmpty ? "no results" : table.render())
        }
    }
}
