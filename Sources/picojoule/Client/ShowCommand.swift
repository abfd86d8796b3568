import ArgumentParser
import Client
import Foundation

/// `picojoule show ID`: one result with its per-node rows.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one stored result, per-node rows included.")

    @Argument(help: "Result id (from `picojoule results`).") var id: Int64
    @Option(help: "Show the N nodes that cost the most energy (0: all).") var nodes: Int = 15
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await withClientErrors {
            let detail = try await options.connect().result(id)
            if options.json { try printAPIJSON(detail); return }
            let s = detail.summary, r = detail.result
            print("result \(s.id) (job \(s.jobID))\(s.isBaseline ? " — baseline" : "")")
            print("created  \(ISO8601DateFormatter().string(from: s.createdAt)), upload name \(s.modelName)")
            print(ResultText.render(r, nodes: nodes))
        }
    }
}
