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
            print("model    \(s.modelName)  sha256 \(s.model)")
            print("profile  \(s.profile) on device \(s.device)")
            print("energy   \(Units.format(s.energyJoules, "J")) per inference (\(s.energySource)), dominated by \(r.estimate.dominantTerm)")
            print("latency  \(Units.format(s.latencySeconds, "s")) (\(s.latencySource)); host median \(Units.format(r.host.latencyMedian.value, "s"))")
            print("memory   peak RAM \(Units.bytes(Double(s.peakRAMBytes))), flash \(Units.bytes(Double(s.flashBytes))), data moved \(Units.format(s.dataMovementBytes, "B"))")
            for warning in r.warnings { print("warning  \(warning)") }
            var rows = detail.nodes.sorted { $0.energyJoules > $1.energyJoules }
            if nodes > 0 { rows = Array(rows.prefix(nodes)) }
            var table = TextTable(["#", "node", "op", "energy", "latency", "MACs", "bytes", "bound by"])
            for n in rows {
                table.add([String(n.index), n.name, n.opType, Units.format(n.energyJoules, "J"), Units.format(n.latencySeconds, "s"),
                           String(n.macs), Units.format(n.bytesMoved, "B"), n.boundBy])
            }
            print("")
            print(table.render())
        }
    }
}
